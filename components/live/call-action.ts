// Calls a server action and turns a thrown error (a bug, or the server gone) into a failure the panel can show.
import type { ActionFailure } from '@/app/actions';

export async function callAction<T>(run: () => Promise<T>): Promise<T | ActionFailure> {
  try {
    return await run();
  } catch (error) {
    console.error('server action failed', error);
    return { ok: false, error: 'internal', message: 'The server could not finish this request (see its log); the dashboard shows the cluster as it is now.' };
  }
}
