import { maskSecrets } from '../text/redact.js';

// One error type for everything the registry layer can fail at, so the wizard can
// say "log in", "check the tag", "check the network" or "wait" without parsing text.

export type RegistryErrorKind = 'unauthorized' | 'not-found' | 'unreachable' | 'rate-limited' | 'protocol';

export interface RegistryErrorDetails {
	registry: string;
	repository?: string;
	/** Tag or digest the request was about, when there was one. */
	reference?: string;
	status?: number;
}

export class RegistryError extends Error {
	override readonly name = 'RegistryError';
	readonly registry: string;
	readonly repository?: string;
	readonly reference?: string;
	readonly status?: number;

	constructor(
		readonly kind: RegistryErrorKind,
		details: RegistryErrorDetails,
		cause: string,
		secrets: readonly string[] = [],
	) {
		super(redact(oneLine(`${subject(details)}: ${cause}`), secrets));
		this.registry = details.registry;
		this.repository = details.repository;
		this.reference = details.reference;
		this.status = details.status;
	}
}

export function isRegistryError(error: unknown, kind?: RegistryErrorKind): error is RegistryError {
	return error instanceof RegistryError && (kind === undefined || error.kind === kind);
}

function subject({ registry, repository, reference }: RegistryErrorDetails): string {
	if (!repository) return `registry ${registry}`;
	const separator = reference?.includes(':') ? '@' : ':';
	return `${registry}/${repository}${reference ? `${separator}${reference}` : ''}`;
}

function oneLine(text: string): string {
	return text.replace(/\s*[\r\n]+\s*/g, ' ').slice(0, 500);
}

// The messages are built from our own words plus short excerpts of server replies;
// a server echoing a credential back must still never put it on the screen.
function redact(text: string, secrets: readonly string[]): string {
	return maskSecrets(text, secrets, 4);
}
