import { lookupDockerCredentials } from '../registry/docker-config.js';
import { parseImageReference } from '../registry/reference.js';
import type { RegistryAuth } from './pull.js';

// Registry credentials for the engine's pull, from the operator's docker config.

/** The engine pulls with the credentials `docker login` stored for that registry. */
export async function registryAuthFor(ref: string, env: NodeJS.ProcessEnv): Promise<RegistryAuth | undefined> {
	const { registry } = parseImageReference(ref);
	const credentials = await lookupDockerCredentials(registry, { env });
	if (!credentials) return undefined;
	const serveraddress = registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
	if ('identityToken' in credentials) return { identitytoken: credentials.identityToken, serveraddress };
	return { username: credentials.username, password: credentials.password, serveraddress };
}
