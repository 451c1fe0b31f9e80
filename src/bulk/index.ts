/**
 * FHIR Bulk Data export (https://hl7.org/fhir/uv/bulkdata/export.html): the `$export` kick-off operation, the jobs
 * that write NDJSON files in the background, their status and files over HTTP. README "Bulk export".
 */
export { BulkExports, ownerOf, type BulkExportOptions, type Manifest } from './exporter';
export { exportOperation, BULK_DATA_CAPABILITY, EXPORT_OPERATION } from './kick-off';
export { bulkExportRouter } from './http';
export { loadBulkExportConfig, type BulkExportConfig } from './config';
