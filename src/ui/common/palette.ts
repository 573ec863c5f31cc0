/** Class colours for maps and points: distinct in light and dark themes, and in the usual colour-vision deficiencies for the first few. */
export const CLASS_COLOURS: [number, number, number][] = [
  [230, 97, 1], // orange
  [33, 102, 172], // blue
  [27, 158, 119], // green
  [152, 78, 163], // purple
  [228, 26, 28], // red
  [166, 118, 29], // brown
  [231, 41, 138], // pink
  [102, 102, 102], // grey
];

export const classColour = (k: number) => CLASS_COLOURS[k % CLASS_COLOURS.length];
export const rgb = ([r, g, b]: [number, number, number], alpha = 1) => `rgba(${r}, ${g}, ${b}, ${alpha})`;
