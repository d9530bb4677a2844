import 'server-only';
// Writer ids: how a process names itself in the state store (its writes' tie-breaker, its session, the change lock's owner).
import os from 'node:os';

/** This host's name as a writer id carries it: characters outside a hostname's replaced, at most `length` of them. */
export function hostLabel(length: number): string {
  return (
    os
      .hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, length) || 'host'
  );
}

/** A server process's writer id, `host:pid`: one process owns a data directory, one session a writer in etcd. */
export function processWriter(): string {
  return `${hostLabel(40)}:${process.pid}`;
}
