// Global setup of the dashboard tests: one production build for every file, removed after the run.
import type { TestProject } from 'vitest/node';
import { buildDashboard, removeBuild } from './next-server';

declare module 'vitest' {
  export interface ProvidedContext {
    dashboardBuild: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await buildDashboard(300_000);
  project.provide('dashboardBuild', dir);
  return () => removeBuild(dir);
}
