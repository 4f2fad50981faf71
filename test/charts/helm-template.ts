import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type RenderContext, renderTemplates } from './render.ts';
import { TemplateError } from './template-parser.ts';
import { coalesceValues, validateValues } from './values.ts';
import { loadDocument, loadDocuments } from './yaml.ts';

/** A rendered Kubernetes object, before any validation. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderedChart {
  values: Record<string, unknown>;
  /** Each template's output, by path (`templates/rbac.yaml`). */
  files: Map<string, string>;
  /** Every rendered object, with the template it came from. */
  manifests: Array<{ file: string; object: Manifest }>;
  notes: string;
}

export interface TemplateOptions {
  releaseName: string;
  namespace: string;
  /** Values files' contents, applied in order like repeated `-f`. */
  values?: Array<Record<string, unknown>>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function readYaml(file: string): Record<string, unknown> {
  const doc = loadDocument(readFileSync(file, 'utf8'), file);
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${file}: not a YAML map`);
  return doc as Record<string, unknown>;
}

/** A values file, read as Helm reads `-f` files. */
export function readValuesFile(file: string): Record<string, unknown> {
  return readYaml(file);
}

/**
 * What `helm template <release> <chart> -n <namespace> -f …` does for this
 * chart: merge values over values.yaml, check them against
 * values.schema.json, render templates/ with the subset renderer, and split
 * the output into YAML documents. NOTES.txt is rendered but not parsed.
 */
export function helmTemplate(chartDir: string, options: TemplateOptions): RenderedChart {
  // Helm's own limits: a release name is a DNS name of 53 characters at most.
  if (!DNS_LABEL.test(options.releaseName) || options.releaseName.length > 53) {
    throw new Error(`invalid release name "${options.releaseName}"`);
  }
  if (!DNS_LABEL.test(options.namespace))
    throw new Error(`invalid namespace "${options.namespace}"`);
  const chart = readYaml(path.join(chartDir, 'Chart.yaml'));
  if (chart.apiVersion !== 'v2') throw new Error('Chart.yaml: apiVersion v2 expected');
  const [name, version, appVersion] = [chart.name, chart.version, chart.appVersion].map(String);

  const values = coalesceValues(
    readYaml(path.join(chartDir, 'values.yaml')),
    ...(options.values ?? []),
  );
  const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8'));
  validateValues(name ?? '', schema, values);

  const files = new Map<string, string>();
  const templatesDir = path.join(chartDir, 'templates');
  for (const entry of readdirSync(templatesDir).sort()) {
    const file = path.join(templatesDir, entry);
    if (statSync(file).isDirectory() || !/\.(ya?ml|tpl|txt)$/.test(entry)) {
      throw new TemplateError(
        `templates/${entry}: only .yaml, .tpl and NOTES.txt files are in the subset`,
      );
    }
    if (entry.endsWith('.txt') && entry !== 'NOTES.txt') {
      throw new TemplateError(`templates/${entry}: Helm renders only NOTES.txt of the .txt files`);
    }
    files.set(`templates/${entry}`, readFileSync(file, 'utf8'));
  }
  const context: RenderContext = {
    Values: values,
    Release: { Name: options.releaseName, Namespace: options.namespace, Service: 'Helm' },
    Chart: { Name: name ?? '', Version: version ?? '', AppVersion: appVersion ?? '' },
  };
  const rendered = renderTemplates(files, context);

  const manifests: RenderedChart['manifests'] = [];
  for (const [file, text] of rendered) {
    if (file === 'templates/NOTES.txt') continue;
    for (const doc of loadDocuments(text, file)) {
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        throw new Error(`${file}: a rendered document is not a map`);
      }
      manifests.push({ file, object: doc as Manifest });
    }
  }
  return { values, files: rendered, manifests, notes: rendered.get('templates/NOTES.txt') ?? '' };
}
