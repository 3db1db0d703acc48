/**
 * An explore's field set as a test evolves it (`addField`, `removeField`), so a client that reads
 * its schema from `lookml_model_explore` at run time can be shown a field appearing or going away.
 * Fields are only ever appended to the declaration and removed ones keep their column: generated
 * rows draw their random numbers field by field, so this keeps every other field's values, and the
 * column positions running queries read, unchanged.
 */
import { isTimeGroup, type ExploreSpec, type FieldSpec } from './explores/index.js';
import { compileExplore, declaredKey, type ExploreModel } from './model.js';

export class ExploreSchema {
  #spec: ExploreSpec;
  readonly #removed = new Set<FieldSpec>();
  #model: ExploreModel;

  constructor(readonly original: ExploreSpec) {
    this.#spec = original;
    this.#model = compileExplore(original);
  }

  get model(): ExploreModel {
    return this.#model;
  }

  /** Appends a field; throws if a served field already has its name. */
  add(field: FieldSpec): ExploreModel {
    if (!isTimeGroup(field) && typeof field.value !== 'function')
      throw new Error(`${this.original.name}: field ${field.name} needs a value generator`);
    const spec = { ...this.#spec, fields: [...this.#spec.fields, field] };
    this.#model = compileExplore(spec, this.#removed);
    this.#spec = spec;
    return this.#model;
  }

  /**
   * Stops serving a field: `view.name` of a dimension, or `view.group` of a time group (all its
   * timeframes); a bare name is read in the explore's base view. The cursor group cannot go.
   */
  remove(key: string): ExploreModel {
    const wanted = key.includes('.') ? key : `${this.original.view}.${key}`;
    const field = this.#spec.fields.find(
      (f) => !this.#removed.has(f) && declaredKey(this.#spec, f) === wanted,
    );
    if (!field) {
      const served = this.#spec.fields
        .filter((f) => !this.#removed.has(f))
        .map((f) => declaredKey(this.#spec, f));
      throw new Error(`${this.original.name}: no served field ${wanted} (fields: ${served.join(', ')})`);
    }
    const removed = new Set(this.#removed).add(field);
    this.#model = compileExplore(this.#spec, removed);
    this.#removed.add(field);
    return this.#model;
  }
}
