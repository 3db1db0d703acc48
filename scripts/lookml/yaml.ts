/**
 * The YAML of LookML dashboards, for the shapes they use: maps, lists of maps, lists of
 * scalars (inline) and scalars. Strings are double-quoted (JSON escapes are YAML's too).
 */
export type Yaml = string | number | boolean | readonly Yaml[] | { readonly [key: string]: Yaml };

const scalar = (value: string | number | boolean) =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);

function isScalar(value: Yaml): value is string | number | boolean {
  return typeof value !== 'object';
}

function entries(map: { readonly [key: string]: Yaml }, indent: string): string[] {
  return Object.entries(map).flatMap(([key, value]) => {
    if (isScalar(value)) return [`${indent}${key}: ${scalar(value)}`];
    if (Array.isArray(value)) {
      if (value.every(isScalar))
        return [`${indent}${key}: [${value.map((item) => scalar(item as string)).join(', ')}]`];
      return [`${indent}${key}:`, ...items(value, indent)];
    }
    return [`${indent}${key}:`, ...entries(value as { readonly [key: string]: Yaml }, `${indent}  `)];
  });
}

function items(list: readonly Yaml[], indent: string): string[] {
  return list.flatMap((item) => {
    const lines = entries(item as { readonly [key: string]: Yaml }, `${indent}  `);
    return [`${indent}- ${lines[0]!.trimStart()}`, ...lines.slice(1)];
  });
}

/** A YAML document whose top level is a list of maps (what a .dashboard.lookml file holds). */
export function yamlDocument(list: readonly { readonly [key: string]: Yaml }[]): string {
  return `${items(list, '').join('\n')}\n`;
}
