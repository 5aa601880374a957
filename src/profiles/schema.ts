/**
 * Structural validation against `interpreter.schema.json` (ajv, draft 2020-12), and the
 * translation of ajv's errors into problems a person can act on.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schema from '../../interpreter.schema.json' with { type: 'json' };
import { targetLanguageHint } from './semantics.ts';
import { didYouMean } from './suggest.ts';
import { pointerSegments } from './source.ts';

/** A problem found in one profile, before it is given a file position. */
export interface Finding {
  /** JSON pointer relative to the profile. */
  pointer: string;
  /** Point at the key (unknown field) rather than the value. */
  at?: 'key' | 'value';
  message: string;
  hint?: string;
  severity?: 'error' | 'warning';
}

interface SchemaNode {
  title?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
  $ref?: string;
}

/** The schema definition a local `$ref` (`#/$defs/languages`) points at. */
function definition(ref: string | undefined): SchemaNode | undefined {
  const name = ref?.startsWith('#/$defs/') ? ref.slice('#/$defs/'.length) : undefined;
  return name ? (schema.$defs as Record<string, SchemaNode>)[name] : undefined;
}

export const PROFILE_SCHEMA = schema;

let compiled: ValidateFunction | undefined;

function profileValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addSchema(schema);
    const validator = ajv.getSchema(`${schema.$id}#/$defs/profile`);
    if (!validator) throw new Error('interpreter.schema.json has no #/$defs/profile');
    compiled = validator;
  }
  return compiled;
}

/** Checks one profile's shape; returns findings (empty = structurally valid). */
export function checkShape(profile: unknown): Finding[] {
  const validate = profileValidator();
  if (validate(profile)) return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    const finding = describeError(error);
    if (!finding) continue;
    const key = `${finding.pointer}|${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push(finding);
  }
  return findings;
}

/** `/languages/targets/1/voice` -> `languages.targets[1].voice`. */
export function fieldName(pointer: string): string {
  let name = '';
  for (const segment of pointerSegments(pointer)) name += /^\d+$/.test(segment) ? `[${segment}]` : name === '' ? segment : `.${segment}`;
  return name === '' ? 'profile' : name;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function describeError(error: ErrorObject): Finding | undefined {
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const field = fieldName(error.instancePath);
  const expected = parent.title;
  const got = describeValue(error.data);
  switch (error.keyword) {
    case 'if':
      return undefined; // The failing `then`/`else` branch reports the actual problem.
    case 'additionalProperties': {
      const unknown = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const where = error.instancePath === '' ? 'profile' : field;
      return {
        pointer: `${error.instancePath}/${unknown.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        at: 'key',
        message: `unknown field \`${unknown}\` in ${where}`,
        hint: didYouMean(unknown, allowed) ?? (allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'remove it'),
      };
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      const property = parent.properties?.[missing];
      const description = property?.description ?? definition(property?.$ref)?.description;
      const finding: Finding = { pointer: error.instancePath, message: `${field} is missing required field \`${missing}\`` };
      if (description) finding.hint = `${missing}: ${description}`;
      return finding;
    }
    case 'type': {
      const types = String((error.params as { type: string }).type).split(',');
      const wanted = expected ?? types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      return { pointer: error.instancePath, message: `${field}: expected ${wanted}, got ${got}` };
    }
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const finding: Finding = { pointer: error.instancePath, message: `${field}: expected one of ${allowed.join(', ')}, got ${got}` };
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      if (hint) finding.hint = hint;
      return finding;
    }
    case 'const':
    case 'pattern': {
      const finding: Finding = { pointer: error.instancePath, message: `${field}: expected ${expected ?? error.message ?? 'another value'}, got ${got}` };
      // A language written as a name (`French`) fails the code's shape; still say which code it is.
      const hint = /\/targets\/\d+\/language$/.test(error.instancePath) && typeof error.data === 'string' ? targetLanguageHint(error.data) : undefined;
      if (hint) finding.hint = hint;
      return finding;
    }
    case 'minItems':
      return { pointer: error.instancePath, message: `${field}: needs at least ${String((error.params as { limit: number }).limit)} item(s)` };
    case 'maxItems':
      return { pointer: error.instancePath, message: `${field}: allows at most ${String((error.params as { limit: number }).limit)} items, got ${Array.isArray(error.data) ? error.data.length : got}` };
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      const items = Array.isArray(error.data) ? error.data : [];
      return { pointer: `${error.instancePath}/${Math.max(i, j)}`, message: `${field}: ${describeValue(items[Math.max(i, j)])} is listed twice`, hint: 'remove the repetition' };
    }
    case 'minProperties':
      return { pointer: error.instancePath, message: `${field}: must not be empty`, hint: parent.description };
    case 'minimum':
    case 'maximum':
    case 'minLength': {
      const finding: Finding = { pointer: error.instancePath, message: `${field}: ${error.message ?? 'out of range'}, got ${got}` };
      if (parent.description) finding.hint = parent.description;
      return finding;
    }
    default:
      return { pointer: error.instancePath, message: `${field}: ${error.message ?? error.keyword}` };
  }
}
