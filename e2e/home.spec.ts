// The production build served to a real Chromium: the home page renders and names the way in.
import { expect, test } from '@playwright/test';

test('the home page introduces Ringside and how to drive the cluster', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Ringside' })).toBeVisible();
  await expect(page.getByText('npm run ringside')).toBeVisible();
  await expect(page).toHaveTitle('Ringside');
});
