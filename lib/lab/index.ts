// The algorithm lab: compare hashing algorithms on a key set, for people choosing how to shard. See docs/lab.md.
export { compareAlgorithms } from './compare';
export { syntheticKeys, DEFAULT_ZIPF } from './synthetic-keys';
export { ALGORITHM_IDS } from './algorithms';
export { belowMinimum, describeChange } from './describe';
export { labNodesOf } from './ringside';
export { traceChange, type ChangeTrace, type TracedPlacement } from './trace';
export { applyChange, MAX_LAB_KEYS, MAX_LAB_NODES, MAX_LAB_REPLICAS } from './request';
export type { AlgorithmId, AlgorithmReport, Balance, LabChange, LabKey, LabNode, LabReport, LabRequest, LabResult, Movement, Workaround } from './types';
