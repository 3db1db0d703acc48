/**
 * Where the archive's tables are, as LookML sees them: the manifest's constants, and the SQL a
 * view reads a table through. One instance reads its dataset's table directly; several read a
 * UNION ALL of every instance's table (each row already carries `looker_instance`), so one
 * model covers them all without Terraform creating anything more.
 */
import { bigQuerySchema, type ExploreDefinition } from '../../src/explores/index.js';

/** One Looker instance whose dataset the project reads. */
export interface ArchiveInstance {
  /** The instance's name in the exporter's configuration (LOOKER_INSTANCES, Terraform's looker_instances). */
  name: string;
  /** The BigQuery dataset its tables are in. */
  dataset: string;
}

/** Terraform's default dataset (variable dataset_id): one instance's tables. */
export const DEFAULT_DATASET = 'looker_system_activity';

export const CONNECTION_CONSTANT = 'ARCHIVE_CONNECTION';
export const PROJECT_CONSTANT = 'ARCHIVE_PROJECT';

/** The constant naming an instance's dataset: ARCHIVE_DATASET alone, else one per instance. */
export function datasetConstant(instance: ArchiveInstance, instances: readonly ArchiveInstance[]): string {
  return instances.length === 1
    ? 'ARCHIVE_DATASET'
    : `ARCHIVE_DATASET_${instance.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** A table of one instance, by constants: the project and dataset are set in the manifest. */
function instanceTable(table: string, instance: ArchiveInstance, instances: readonly ArchiveInstance[]) {
  return `\`@{${PROJECT_CONSTANT}}.@{${datasetConstant(instance, instances)}}.${table}\``;
}

/**
 * What a view's `sql_table_name` holds for a table: the table itself, or a parenthesised union
 * of every instance's copy. The union names the committed columns, in order, so instances whose
 * tables Looker has since grown by different columns still line up (a column the function
 * appended after the schema was committed is not in the union until `npm run schemas` and
 * `npm run lookml` run again).
 */
export function tableSql(explore: ExploreDefinition, instances: readonly ArchiveInstance[]): string {
  if (instances.length === 1) return instanceTable(explore.name, instances[0]!, instances);
  const columns = bigQuerySchema(explore)
    .map(({ name }) => `\`${name}\``)
    .join(', ');
  return `(${instances
    .map((instance) => `SELECT ${columns} FROM ${instanceTable(explore.name, instance, instances)}`)
    .join(' UNION ALL ')})`;
}
