export {
  ZetaSql,
  type Analysis,
  ZetaSqlError,
  type ParameterInput,
  type QueryOutput,
  type StatementInput,
  type TableInput,
  type ZetaSqlOptions,
} from './engine.js';
export {
  typeName,
  UnsupportedValueError,
  type Column,
  type ScalarTypeName,
  type SqlType,
  type SqlValue,
} from './values.js';
