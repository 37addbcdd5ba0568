import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../source/docker/engine.js';
import { UsageError } from '../../source/core/errors.js';

describe('connectEngine', () => {
	it('uses the DOCKER_HOST of the environment it is given, not only process.env', async () => {
		const attempt = connectEngine({ ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1' });
		await expect(attempt).rejects.toBeInstanceOf(UsageError);
		await expect(attempt).rejects.toThrow(/cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\), named by DOCKER_HOST/);
	});

	it('says what is missing when the socket does not exist', async () => {
		await expect(connectEngine({ ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).rejects.toThrow(
			/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock \(ENOENT\), named by DOCKER_HOST; start dockerd or point --host, --context or DOCKER_HOST/,
		);
	});

	it('reaches an ssh:// DOCKER_HOST through ssh, and says in one line what ssh said when it cannot', async () => {
		const attempt = connectEngine({ ...process.env, DOCKER_HOST: 'ssh://deploy@127.0.0.1:1' });
		await expect(attempt).rejects.toBeInstanceOf(UsageError);
		await expect(attempt).rejects.toThrow(/^cannot reach the Docker engine at ssh:\/\/deploy@127\.0\.0\.1:1 \(ssh 127\.0\.0\.1: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused\), named by DOCKER_HOST;/);
	});

	it('says what chose the engine (--host here)', async () => {
		const attempt = connectEngine({ HOME: '/nonexistent-home', DOCKER_CONFIG: '/nonexistent-config' }, [{ kind: 'host', value: 'unix:///nonexistent/x.sock' }]);
		await expect(attempt).rejects.toThrow(/^cannot reach the Docker engine at unix:\/\/\/nonexistent\/x\.sock \(ENOENT\), named by --host;/);
	});
});
