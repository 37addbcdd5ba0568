import { ImageReferenceError, parseImageReference } from '../../registry/reference.js';
import { parseComposeFile, scalarSource, serviceImage, type ComposeDoc, type ServiceImage } from './compose-yaml.js';
import { parseEnvFile, type EnvFile } from './env-file.js';
import { ComposeImageError } from './errors.js';
import { parseTemplate, substitute, type Piece, type Substitution } from './interpolation.js';
import { Uses } from './shared.js';
import type { LocateInput, LocatedImage, Range } from './types.js';

// Where a Compose service's image (and in it, its tag) comes from, by
// Compose's rules: the files merge in `-f` order and the last one that sets
// services.<name>.image wins; the value is interpolated from the env file
// (else a variable's default); the tag is whatever follows the last ':' after
// the last '/', before any '@'. Loads `yaml` (through compose-yaml.ts): the
// driver must reach this module by dynamic import only.

type VariablePiece = Extract<Piece, { kind: 'variable' }>;

/** A piece of the template with where its substituted text sits in the resolved reference. */
interface Span {
	piece: Piece;
	start: number;
	end: number;
	substitution?: Substitution;
}

export function locateImage(input: LocateInput): LocatedImage {
	const { service, envFile } = input;
	const docs = input.files.map(parseComposeFile);
	const env = envFile.text === undefined ? undefined : parseEnvFile(envFile.path, envFile.text);
	const winner = winningImage(docs, service);
	const cd = docs[winner.index];
	const where = `${cd.path}: services.${service}.image`;
	const declared = scalarSource(cd, winner.image.node, where);

	const spans = resolve(parseTemplate(declared.template, where), env, where);
	const resolved = spans.map((span) => (span.piece.kind === 'text' ? span.piece.text : span.substitution!.value)).join('');
	try {
		parseImageReference(resolved);
	} catch (error) {
		if (error instanceof ImageReferenceError) throw new ComposeImageError('invalid-reference', `${where}: ${error.message}`);
		throw error;
	}
	// The tag: after the last ':' that follows the last '/', up to the digest's '@'.
	const at = resolved.indexOf('@');
	const nameEnd = at < 0 ? resolved.length : at;
	const colon = resolved.lastIndexOf(':', nameEnd - 1);
	const tagged = colon > resolved.lastIndexOf('/', nameEnd - 1);
	const tag: Range = tagged ? [colon + 1, nameEnd] : [nameEnd, nameEnd];
	// Untagged: `:<tag>` goes right after the name's last character, in the piece that wrote it.
	const holder = spans.find((span) => (tagged ? span.start <= tag[0] && tag[1] <= span.end : span.start < nameEnd && nameEnd <= span.end));
	if (!holder) {
		throw new ComposeImageError('unsupported', `${where}: the tag of ${resolved} is made of several parts (${declared.template}); the wizard edits a tag written in one place`);
	}

	const uses = new Uses(docs);
	const common = {
		service,
		resolved,
		tag: tagged ? resolved.slice(tag[0], tag[1]) : undefined,
		digest: at < 0 ? undefined : resolved.slice(at + 1),
		declared: { file: cd.path, range: declared.range, template: declared.template },
	};
	const inHolder: Range = [tag[0] - holder.start, tag[1] - holder.start];

	if (holder.piece.kind === 'text') {
		const { from } = holder.piece;
		const after = (index: number) => declared.range[0] + from[index] + 1;
		const range: Range = tagged ? [after(inHolder[0]) - 1, after(inHolder[1] - 1)] : [after(inHolder[0] - 1), after(inHolder[0] - 1)];
		const shared = uses.ofNode(winner.index, winner.image.node, winner.image.via);
		return { kind: 'literal', ...common, ...(shared && { shared }), file: cd.path, range, write: 'tag', fileText: cd.text, value: cd.text.slice(range[0], range[1]) };
	}

	const piece = holder.piece;
	const substitution = holder.substitution!;
	if (substitution.from === 'alternative') {
		throw new ComposeImageError('unsupported', `${where}: the tag comes from the alternative value of \${${piece.name}${piece.op}...}`, piece.name);
	}
	const shared = uses.ofVariable(piece.name);
	const variable = { kind: 'variable' as const, ...common, ...(shared && { shared }), name: piece.name, value: substitution.value, tagRange: inHolder, file: envFile.path, fileText: envFile.text };
	const entry = substitution.entry;
	if (substitution.from === 'env-file') {
		// substitute() took the value from the entry and made sure its characters are the value.
		return { ...variable, in: 'env-file', range: [entry!.start + inHolder[0], entry!.start + inHolder[1]], write: 'tag' };
	}
	// Only a default: the edit sets the variable in the env file (see rewrite.ts for why).
	if (entry) return { ...variable, in: 'default', range: [entry.start, entry.end], write: 'value' };
	const end = envFile.text?.length ?? 0;
	return { ...variable, in: 'default', range: [end, end], write: 'line' };
}

/** The last file that sets the service's image; the reasons when none does. */
function winningImage(docs: ComposeDoc[], service: string): { index: number; image: NonNullable<ServiceImage['image']> } {
	let winner: { index: number; image: NonNullable<ServiceImage['image']> } | undefined;
	let defined = false;
	let extended = false;
	docs.forEach((cd, index) => {
		const found = serviceImage(cd, service);
		defined ||= found.defined;
		extended ||= found.hasExtends;
		if (found.image) winner = { index, image: found.image };
	});
	const files = docs.map((cd) => cd.path).join(', ');
	if (!defined) throw new ComposeImageError('no-service', `no compose file defines a service ${service} (${files})`);
	if (winner) return winner;
	if (extended) throw new ComposeImageError('unsupported', `service ${service} takes its image through extends:, which the wizard does not follow yet; give it an image: of its own`);
	throw new ComposeImageError('no-image', `service ${service} has no image: in ${files}: it is built (build:), and the wizard upgrades services that run a tagged image`);
}

function resolve(pieces: Piece[], env: EnvFile | undefined, where: string): Span[] {
	let offset = 0;
	return pieces.map((piece) => {
		const substitution = piece.kind === 'variable' ? substitute(piece as VariablePiece, env, where) : undefined;
		const length = piece.kind === 'text' ? piece.text.length : substitution!.value.length;
		const span: Span = { piece, start: offset, end: offset + length, substitution };
		offset += length;
		return span;
	});
}
