import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Scalar, type YAMLMap } from 'yaml';
import { ComposeImageError } from './errors.js';
import type { ComposeFileInput, Range } from './types.js';

// The only module that imports `yaml`: the driver loads it (through locate.ts)
// with a dynamic import, so plain-container runs never pay for the parser.
//
// Files are parsed for their node ranges only, never re-serialised
// (`doc.toString()` reformats the whole file). Merge keys are resolved here by
// hand rather than by toJS(), because the edit needs the *node* a value comes
// from: YAML's merge rules are that the mapping's own keys win over merged
// ones, and within `<<: [*a, *b]` the first source that has a key wins.

export interface ComposeDoc {
	path: string;
	text: string;
	doc: Document.Parsed | undefined;
}

export type Segment = string | number;

/** A scalar reached from the document root, following aliases and merges. */
export interface Occurrence {
	path: Segment[];
	node: Scalar;
	/** Anchors of the aliases followed to reach it. */
	via: string[];
}

interface Entry {
	key: string;
	value: unknown;
	via: string[];
}

/** Beyond this many nodes a walk stops: aliases of aliases can make a small file expand enormously. */
const MAX_VISITS = 200_000;

export function parseComposeFile(file: ComposeFileInput): ComposeDoc {
	const docs = parseAllDocuments(file.text, { merge: true, prettyErrors: false });
	const invalid = (why: string) => new ComposeImageError('invalid-yaml', `${file.path}: ${why}`);
	if (docs.length > 1) throw invalid('holds several YAML documents; the wizard edits single-document compose files only');
	const doc = docs[0];
	const error = doc?.errors[0];
	if (error) throw invalid(error.message.split('\n')[0]);
	return { path: file.path, text: file.text, doc };
}

function isMergeKey(key: unknown): boolean {
	if (!isScalar(key) || (key.type && key.type !== 'PLAIN')) return false;
	const value = key.value;
	return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}

function keyOf(key: unknown): string {
	return isScalar(key) ? String(key.value) : String(key);
}

/** Follows an alias to its anchored node, noting the anchor in `via`. */
function deref(cd: ComposeDoc, node: unknown, via: string[]): unknown {
	if (!isAlias(node)) return node;
	const target = node.resolve(cd.doc!);
	if (target === undefined) throw new ComposeImageError('invalid-yaml', `${cd.path}: alias *${node.source} has no anchor before it`);
	via.push(node.source);
	return target;
}

/** A mapping's keys as YAML reads them with merge keys applied, each with the node it takes. */
function entries(cd: ComposeDoc, map: YAMLMap, via: string[], depth = 0): Entry[] {
	if (depth > 64) throw new ComposeImageError('unsupported', `${cd.path}: merge keys nested too deeply`);
	const own: Entry[] = [];
	const merged: Entry[] = [];
	for (const pair of map.items) {
		if (!isMergeKey(pair.key)) {
			own.push({ key: keyOf(pair.key), value: pair.value, via });
			continue;
		}
		const viaSeq = [...via];
		const source = deref(cd, pair.value, viaSeq);
		for (const item of isSeq(source) ? source.items : [source]) {
			const viaItem = [...viaSeq];
			const target = deref(cd, item, viaItem);
			if (!isMap(target)) throw new ComposeImageError('invalid-yaml', `${cd.path}: a merge key (<<) takes mappings or aliases of mappings`);
			merged.push(...entries(cd, target, viaItem, depth + 1));
		}
	}
	const seen = new Set(own.map((entry) => entry.key));
	const result = [...own];
	for (const entry of merged) {
		if (seen.has(entry.key)) continue;
		seen.add(entry.key);
		result.push(entry);
	}
	return result;
}

function child(cd: ComposeDoc, map: unknown, key: string, via: string[]): { found: boolean; node: unknown } {
	if (!isMap(map)) return { found: false, node: undefined };
	const entry = entries(cd, map, []).find((candidate) => candidate.key === key);
	if (!entry) return { found: false, node: undefined };
	via.push(...entry.via);
	return { found: true, node: deref(cd, entry.value, via) };
}

export interface ServiceImage {
	/** The file defines the service at all. */
	defined: boolean;
	hasExtends: boolean;
	image?: { node: Scalar; via: string[] };
}

/** What one file says about `services.<name>.image`. */
export function serviceImage(cd: ComposeDoc, service: string): ServiceImage {
	const root = cd.doc?.contents ?? null;
	if (root !== null && !isMap(root)) throw new ComposeImageError('invalid-yaml', `${cd.path}: the top level is not a mapping`);
	const services = child(cd, root, 'services', []);
	const found = child(cd, services.node, service, []);
	if (!found.found) return { defined: false, hasExtends: false };
	const tagged = (node: unknown) => (node && typeof node === 'object' && 'tag' in node ? (node as { tag?: string }).tag : undefined);
	// Compose's `!reset` / `!override` change how files merge; not modelled here.
	const via: string[] = [];
	const image = child(cd, found.node, 'image', via);
	for (const node of [found.node, image.node]) {
		const tag = tagged(node);
		if (tag === '!reset' || tag === '!override') {
			throw new ComposeImageError('unsupported', `${cd.path}: services.${service} uses ${tag}, which the wizard does not follow yet`);
		}
	}
	const hasExtends = child(cd, found.node, 'extends', []).found;
	if (!image.found) return { defined: true, hasExtends };
	if (!isScalar(image.node) || typeof image.node.value !== 'string' || image.node.value === '') {
		throw new ComposeImageError('invalid-reference', `${cd.path}: services.${service}.image is not a non-empty string`);
	}
	return { defined: true, hasExtends, image: { node: image.node, via } };
}

/**
 * Where a string scalar's characters are. Only scalars whose source characters
 * are their value (no escapes, one line, not a block scalar) are edited in
 * place; anything else would need re-quoting, which is refused instead.
 */
export function scalarSource(cd: ComposeDoc, node: Scalar, where: string): { range: Range; template: string } {
	const [start, end] = node.range ?? [0, 0];
	const raw = cd.text.slice(start, end);
	const quoted = node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE';
	if (node.type !== 'PLAIN' && !quoted) throw new ComposeImageError('unsupported', `${where} is a block scalar (| or >); write it on one line`);
	const inner = quoted ? raw.slice(1, -1) : raw;
	if (inner !== node.value) throw new ComposeImageError('unsupported', `${where} is written with escapes or over several lines; write it on one line`);
	return { range: quoted ? [start + 1, end - 1] : [start, end], template: inner };
}

/** Every scalar of the document by the path Compose reads it at (aliases and merges followed). */
export function occurrences(cd: ComposeDoc): Occurrence[] {
	const found: Occurrence[] = [];
	let visits = 0;
	const walk = (node: unknown, path: Segment[], via: string[]) => {
		if (++visits > MAX_VISITS) throw new ComposeImageError('unsupported', `${cd.path}: expands to too many nodes through aliases`);
		const at = [...via];
		const target = deref(cd, node, at);
		if (isScalar(target)) found.push({ path, node: target, via: at });
		else if (isMap(target)) for (const entry of entries(cd, target, at)) walk(entry.value, [...path, entry.key], entry.via);
		else if (isSeq(target)) target.items.forEach((item, index) => walk(item, [...path, index], at));
	};
	if (cd.doc) walk(cd.doc.contents, [], []);
	return found;
}

export function formatPath(path: Segment[]): string {
	return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}
