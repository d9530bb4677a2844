// ESLint for the whole project: Next.js's rules (React, hooks, Core Web Vitals) and typescript-eslint's, with
// Prettier owning the layout so the two never disagree. Run with `npm run lint`; `npm test` runs it too.
import { defineConfig, globalIgnores } from 'eslint/config';
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';
import prettier from 'eslint-config-prettier/flat';

export default defineConfig([
  ...nextVitals,
  ...nextTypescript,
  {
    rules: {
      // `const { keys: _keys, ...rest } = snapshot` is how the code drops a field from a copy: the named part is
      // there to be left out, and every other unused variable is still reported.
      '@typescript-eslint/no-unused-vars': ['warn', { ignoreRestSiblings: true }],
    },
  },
  prettier,
  // Builds, test output, local cluster data and files other tools write.
  globalIgnores(['.next/**', 'out/**', 'build/**', 'next-env.d.ts', '.ringside/**', 'test-results/**', 'playwright-report/**', 'docs/benchmarks/**', '**/*.tsbuildinfo']),
]);
