// Image references in the grammar of github.com/distribution/reference, normalised
// the way `docker pull` normalises them, so that the registry we ask and the image
// the engine runs are always the same thing.

export interface ImageReference {
	/** Registry host, lower-cased, port kept; Docker Hub is always 'docker.io'. */
	registry: string;
	/** Repository path; single names on Docker Hub get 'library/'. */
	repository: string;
	tag?: string;
	digest?: string;
	/** The short form an operator would type (`redis:7`, `ghcr.io/a/b:1`). */
	familiar: string;
}

export class ImageReferenceError extends Error {
	override readonly name = 'ImageReferenceError';
	constructor(
		readonly reference: string,
		reason: string,
	) {
		// JSON quoting keeps the message on one line whatever the input holds.
		super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`);
	}
}

export const DOCKER_HUB = 'docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
	`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`,
);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})$/;
// go-digest rejects anything but lower-case hex of the exact length for these.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_NAME_LENGTH = 255;

export function parseImageReference(ref: string): ImageReference {
	if (ref.length === 0) throw new ImageReferenceError(ref, 'empty reference');
	if (/\s/.test(ref)) throw new ImageReferenceError(ref, 'contains whitespace');

	let rest = ref;
	let digest: string | undefined;
	const at = rest.indexOf('@');
	if (at !== -1) {
		digest = rest.slice(at + 1);
		rest = rest.slice(0, at);
		validateDigest(ref, digest);
	}

	let tag: string | undefined;
	const colon = rest.lastIndexOf(':');
	if (colon > rest.lastIndexOf('/')) {
		tag = rest.slice(colon + 1);
		rest = rest.slice(0, colon);
		if (!TAG.test(tag)) {
			throw new ImageReferenceError(ref, `invalid tag ${JSON.stringify(tag)} (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`);
		}
	}
	if (rest.length === 0) throw new ImageReferenceError(ref, 'missing repository name');

	let { registry, repository } = splitDomain(rest);
	if (registry !== DOCKER_HUB && !DOMAIN.test(registry)) {
		throw new ImageReferenceError(ref, `invalid registry host ${JSON.stringify(registry)}`);
	}
	registry = normaliseRegistryHost(registry);
	if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;

	for (const component of repository.split('/')) {
		if (component.length === 0) throw new ImageReferenceError(ref, 'empty path component in repository name');
		if (component !== component.toLowerCase()) throw new ImageReferenceError(ref, 'repository name must be lowercase');
		if (!PATH_COMPONENT.test(component)) {
			throw new ImageReferenceError(ref, `invalid repository path component ${JSON.stringify(component)}`);
		}
	}
	if (registry.length + 1 + repository.length > MAX_NAME_LENGTH) {
		throw new ImageReferenceError(ref, `repository name longer than ${MAX_NAME_LENGTH} characters`);
	}

	return { registry, repository, tag, digest, familiar: familiarString(registry, repository, tag, digest) };
}

/** The same repository at another tag; a digest no longer applies, so it is dropped. */
export function withTag(ref: ImageReference | string, tag: string): ImageReference {
	const base = typeof ref === 'string' ? parseImageReference(ref) : ref;
	if (!TAG.test(tag)) throw new ImageReferenceError(`${base.familiar}:${tag}`, `invalid tag ${JSON.stringify(tag)}`);
	return { registry: base.registry, repository: base.repository, tag, familiar: familiarString(base.registry, base.repository, tag, undefined) };
}

/** Fully qualified form (`docker.io/library/redis:7`), unambiguous for logs and the engine. */
export function formatImageReference(ref: ImageReference): string {
	return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * Registries on the loopback interface are spoken to over plain HTTP, as the
 * engine does for them without `insecure-registries`; everything else needs TLS.
 */
export function isLoopbackRegistry(host: string): boolean {
	const hostname = stripPort(host).toLowerCase();
	if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
	const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname.replace(/^::ffff:/, ''));
	if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) && v4[1] === '127';
	return hostname === '::1' || /^(?:0{1,4}:){7}0{0,3}1$/.test(hostname);
}

export function normaliseRegistryHost(host: string): string {
	const lower = host.toLowerCase();
	// Docker Hub answers under several names; credentials and caches key on one.
	if (lower === 'index.docker.io' || lower === 'registry-1.docker.io' || lower === 'registry.hub.docker.com') return DOCKER_HUB;
	return lower;
}

function splitDomain(name: string): { registry: string; repository: string } {
	const slash = name.indexOf('/');
	if (slash === -1) return { registry: DOCKER_HUB, repository: name };
	const first = name.slice(0, slash);
	// The rule `docker` applies: a first component is a host only if it looks like one.
	const isHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
	if (!isHost) return { registry: DOCKER_HUB, repository: name };
	return { registry: first, repository: name.slice(slash + 1) };
}

function validateDigest(ref: string, digest: string): void {
	const match = DIGEST.exec(digest);
	if (!match) throw new ImageReferenceError(ref, `invalid digest ${JSON.stringify(digest)} (expected algorithm:hex)`);
	const [, algorithm, hex] = match;
	const length = DIGEST_HEX_LENGTH[algorithm];
	if (length !== undefined && (hex.length !== length || hex !== hex.toLowerCase())) {
		throw new ImageReferenceError(ref, `invalid ${algorithm} digest (expected ${length} lower-case hex digits)`);
	}
}

function familiarString(registry: string, repository: string, tag: string | undefined, digest: string | undefined): string {
	let name = `${registry}/${repository}`;
	if (registry === DOCKER_HUB) {
		name = repository.startsWith('library/') && repository.split('/').length === 2 ? repository.slice('library/'.length) : repository;
	}
	return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

function stripPort(host: string): string {
	if (host.startsWith('[')) {
		const end = host.indexOf(']');
		return end === -1 ? host : host.slice(1, end);
	}
	const colons = host.split(':').length - 1;
	// A bare IPv6 address has several colons and no port to strip.
	return colons === 1 ? host.slice(0, host.indexOf(':')) : host;
}
