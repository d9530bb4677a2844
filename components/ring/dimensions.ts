// Radii of the ring chart's layers, in the SVG's user units (the view box spans -310..310).
export const VIEW = 310;
export const RADIUS = {
  vnodeInner: 254,
  vnodeOuter: 266,
  tickOuter: 276,
  travel: 245,
  replicaEnd: 250,
  keyInner: 146,
  keyOuter: 234,
  density: 240,
  densityLength: 90,
} as const;
