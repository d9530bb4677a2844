// Stands in for the `server-only` marker package when modules run under Vitest or the CLI.
export {};
