/**
 * `1536` -> `1.5 KiB`. Here, below every part, because the detect summary (boot log) and the CLI
 * tables both print sizes; in cli/ it made detect/ import the CLI.
 */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
