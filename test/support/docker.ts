import { execa } from 'execa';
import { randomBytes } from 'node:crypto';

// Tests set containers up with the docker CLI, exactly as an operator would,
// and label everything so cleanup (and world:down) can find it.

export const TEST_LABEL = 'io.upgrade-wizard.test=1';

export function uniqueName(prefix: string): string {
	return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export async function docker(args: string[], options: { reject?: boolean } = {}) {
	// The classic builder: no buildx plugin is needed to build FROM local images.
	return execa('docker', args, { reject: options.reject ?? true, timeout: 120_000, env: { DOCKER_BUILDKIT: '0' } });
}

export async function inspect<T = any>(name: string): Promise<T> {
	const { stdout } = await docker(['inspect', name]);
	return (JSON.parse(stdout) as T[])[0]!;
}

export async function exists(name: string): Promise<boolean> {
	const result = await docker(['inspect', name], { reject: false });
	return result.exitCode === 0;
}

/** Wait (bounded) until a container's healthcheck says healthy. */
export async function waitHealthy(name: string, timeoutMs = 60_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let status = '';
	while (Date.now() < deadline) {
		const { stdout } = await docker(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}', name], { reject: false });
		status = stdout.trim();
		if (status === 'healthy') return;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	const logs = await docker(['logs', '--tail', '20', name], { reject: false });
	throw new Error(`${name} not healthy within ${timeoutMs} ms (last: ${status})\n${logs.stdout}\n${logs.stderr}`);
}

/** Remove containers, networks and volumes created by one test (by their extra label). */
export async function removeByLabel(label: string): Promise<void> {
	const ids = (await docker(['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
	if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids], { reject: false });
	const networks = (await docker(['network', 'ls', '-q', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
	if (networks.length > 0) await docker(['network', 'rm', ...networks], { reject: false });
	const volumes = (await docker(['volume', 'ls', '-q', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
	if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes], { reject: false });
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
