import type Docker from 'dockerode';
import { lookupDockerCredentials } from '../registry/docker-config.js';
import { parseImageReference, ImageReferenceError } from '../registry/reference.js';
import { RegistryClient } from '../registry/client.js';
import { isRegistryError } from '../registry/errors.js';
import type { ImageAvailability } from '../core/plan.js';
import type { RegistryAuth } from './pull.js';
import { messageOf, oneLine } from '../core/errors.js';

// Where a target image comes from: the engine's own store, else its registry.
// Asked in preflight, so a missing tag or a refused login stops the run before
// anything is touched.

export function imageAvailability(docker: Docker, env: NodeJS.ProcessEnv): ImageAvailability {
	return async (ref) => {
		try {
			parseImageReference(ref);
		} catch (error) {
			if (error instanceof ImageReferenceError) return { ok: false, reason: error.message };
			throw error;
		}
		try {
			await docker.getImage(ref).inspect();
			return { ok: true, where: 'local' };
		} catch {
			// Not in the local store: the registry must have it.
		}
		const client = new RegistryClient({ env });
		try {
			const exists = await client.tagExists(ref);
			return exists ? { ok: true, where: 'registry' } : { ok: false, reason: `tag not found: ${ref} is not in its registry` };
		} catch (error) {
			if (isRegistryError(error)) return { ok: false, reason: oneLine(error.message) };
			return { ok: false, reason: `cannot check ${ref} in its registry: ${oneLine(messageOf(error))}` };
		}
	};
}

/** The engine pulls with the credentials `docker login` stored for that registry. */
export async function registryAuthFor(ref: string, env: NodeJS.ProcessEnv): Promise<RegistryAuth | undefined> {
	const { registry } = parseImageReference(ref);
	const credentials = await lookupDockerCredentials(registry, { env });
	if (!credentials) return undefined;
	const serveraddress = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
	if ('identityToken' in credentials) return { identitytoken: credentials.identityToken, serveraddress };
	return { username: credentials.username, password: credentials.password, serveraddress };
}
