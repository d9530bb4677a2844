// What the page shows instead of the cluster when the request guard refuses it: why, and a field for the access token.
import type { Refusal } from '@/app/guard';

export function SignIn({ refusal }: { refusal: Refusal }) {
  return (
    <main className="mx-auto max-w-xl space-y-4 p-8">
      <h1 className="text-2xl font-bold">Ringside</h1>
      <p>{refusal.message}</p>
      {refusal.error === 'unauthorized' && (
        <form method="get" action="/api/session" className="flex flex-wrap items-end gap-2">
          <label className="flex flex-col gap-1 text-sm font-medium">
            Access token
            <input
              name="token"
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              className="rounded-md border border-slate-400 bg-white px-3 py-2 text-slate-900 dark:border-slate-500 dark:bg-slate-900 dark:text-slate-100"
            />
          </label>
          <button className="rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700 focus-visible:outline focus-visible:outline-2 dark:bg-slate-100 dark:text-slate-900">
            Open
          </button>
        </form>
      )}
    </main>
  );
}
