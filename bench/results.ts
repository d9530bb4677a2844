// The JSON each benchmark script prints with --json, as bench/report.ts reads it back (also from
// docs/benchmarks/results.json, where JSON has turned NaN into null).

export interface LookupRun {
  nodes: number;
  vnodesPerNode: number;
  keys: number;
  rounds: number;
  lookups: { operation: string; ringsideOps: number; hashringOps: number; ratio: number }[];
}

export interface ThroughputRun {
  keys: number;
  valueBytes: number;
  inFlight: number;
  nodes: number;
  rounds: number;
  results: { system: string; set: number; get: number; setCpuUs: number; getCpuUs: number }[];
  goals: { goal: string; ratio: number | null; target: number; met: boolean | null }[];
}

export interface BalanceRun {
  keys: number;
  rows: { nodes: number; placement: string; maxOverMean: number; relativeDeviation: number; min: number; max: number }[];
}

export interface MovementScenario {
  scenario: string;
  primariesMoved: number;
  copies: number;
  minimum: number;
  deletes: number;
  /** null for the peer, which has no planner to time. */
  planMs: number | null;
}

export interface MovementRun {
  keys: number;
  replicas: number;
  vnodesPerNode: number;
  ideal: { copiesPerKey: number };
  scenarios: MovementScenario[];
}

/** One ring change on real memcached; the column names are the table's. */
export interface RebalanceRow {
  change: string;
  keys: number;
  'primaries moved': number;
  'copies executed': number;
  'minimum copies': number;
  deletes: number;
  failed: number;
  'total ms': number;
  'copies/s': number;
}

export interface RebalanceRun {
  keys: number;
  rows: RebalanceRow[];
}

/** bench/scale.ts: with several runs, `ms` and `rssMb` are medians, with the spread (lowest, highest) and each run's figure. */
export interface ScaleRun {
  nodes: number;
  keys: number;
  items: number;
  rssMb: number;
  rows: { step: string; ms: number; detail: string; min?: number; max?: number; runs?: number[] }[];
  runs?: number;
  rss?: { median: number; min: number; max: number; runs: number[] };
  load?: number[];
}

/** One dashboard figure over the script's runs: the median and the spread (lowest, highest) of the runs. */
export interface DashboardSpread {
  median: number | null;
  min: number | null;
  max: number | null;
  runs: (number | null)[];
}

export interface DashboardRun {
  nodes: number;
  keys: number;
  marks: number;
  /** How many times the whole measurement ran, and each figure over those runs (absent in results from a single run). */
  runs?: number;
  figures?: Record<string, DashboardSpread>;
  puts?: number;
  /** The load average when the runs ended. */
  load?: number[];
  /** A single run's figures, each absent or null when the run could not measure it. */
  [figure: string]: number | null | undefined | number[] | Record<string, DashboardSpread>;
}

/** bench/control-plane.ts --json */
export interface ControlPlaneRun {
  changeVisibleMs: { p50: number; max: number; changes: number };
  takeoverMs: { median: number; min: number; max: number; runs: number };
  /** `etcd-shared`: another process live; `plainShare`: the puts written as plain SETs (the rest conditional). Absent from older runs. */
  dataPath: Record<'file' | 'etcd' | 'etcd-stopped', DataPathRow> & { 'etcd-shared'?: DataPathRow };
}

interface DataPathRow {
  putsPerSec: number;
  getsPerSec: number;
  puts: string;
  gets: string;
  plainShare?: number;
}
