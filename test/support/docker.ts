import { execa } from 'execa';
import { randomBytes } from 'node:crypto';

// Tests set containers up with the docker CLI, exactly as an operator would,
// and label everything so cleanup (and world:down) can find it.

export const TEST_LABEL = 'io.upgrade-wizard.test=1';

/** `host`: another engine (a DOCKER_HOST endpoint, e.g. world().engine2Host); the default is the first engine. */
export interface On {
	host?: string;
}

export function uniqueName(prefix: string): string {
	return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function docker(args: string[], options: { reject?: boolean } & On = {}) {
	// --host wins over DOCKER_HOST, so a test can never reach the first engine by mistake.
	const hostArgs = options.host ? ['--host', options.host] : [];
	// The classic builder: no buildx plugin is needed to build FROM local images.
	return execa('docker', [...hostArgs, ...args], { reject: options.reject ?? true, timeout: 120_000, env: { DOCKER_BUILDKIT: '0' } });
}

export async function inspect<T = any>(name: string, on: On = {}): Promise<T> {
	const { stdout } = await docker(['inspect', name], on);
	return (JSON.parse(stdout) as T[])[0]!;
}

export async function exists(name: string, on: On = {}): Promise<boolean> {
	const result = await docker(['inspect', name], { ...on, reject: false });
	return result.exitCode === 0;
}

/** Wait (bounded) until a container's healthcheck says healthy. */
export async function waitHealthy(name: string, timeoutMs = 60_000, on: On = {}): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let status = '';
	while (Date.now() < deadline) {
		const { stdout } = await docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', name], { ...on, reject: false });
		status = stdout.trim();
		if (status === 'healthy') return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	const logs = await docker(['logs', '--tail', '20', name], { ...on, reject: false });
	throw new Error(`${name} not healthy within ${timeoutMs} ms (last: ${status})\n${logs.stdout}\n${logs.stderr}`);
}

/** Remove containers, networks and volumes created by one test (by their extra label). */
export async function removeByLabel(label: string, on: On = {}): Promise<void> {
	const list = async (kind: string[]) => (await docker([...kind, '-q', '--filter', `label=${label}`], on)).stdout.split('\n').filter(Boolean);
	const ids = await list(['ps', '-a']);
	if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids], { ...on, reject: false });
	const networks = await list(['network', 'ls']);
	if (networks.length > 0) await docker(['network', 'rm', ...networks], { ...on, reject: false });
	const volumes = await list(['volume', 'ls']);
	if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes], { ...on, reject: false });
}

/** The helpers above bound to one engine: `const e2 = dockerOn(w.engine2Host); await e2.docker(['ps'])`. */
export function dockerOn(host: string) {
	return {
		host,
		docker: (args: string[], options: { reject?: boolean } = {}) => docker(args, { ...options, host }),
		inspect: <T = any>(name: string) => inspect<T>(name, { host }),
		exists: (name: string) => exists(name, { host }),
		waitHealthy: (name: string, timeoutMs?: number) => waitHealthy(name, timeoutMs, { host }),
		removeByLabel: (label: string) => removeByLabel(label, { host }),
	};
}

export async function freePort(): Promise<number> {
	const { createServer } = await import('node:net');
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
		});
	});
}
