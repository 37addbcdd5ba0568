import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../source/docker/engine.js';
import { UsageError } from '../../source/core/errors.js';

describe('connectEngine', () => {
	it('uses the DOCKER_HOST of the environment it is given, not only process.env', async () => {
		const attempt = connectEngine({ ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:1' });
		await expect(attempt).rejects.toBeInstanceOf(UsageError);
		await expect(attempt).rejects.toThrow(/cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
	});

	it('says what is missing when the socket does not exist', async () => {
		await expect(connectEngine({ ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).rejects.toThrow(
			/cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker\.sock \(ENOENT\); start dockerd or point DOCKER_HOST/,
		);
	});

	it('refuses an ssh:// DOCKER_HOST in one line (no ssh transport is shipped) before any connection', async () => {
		const attempt = connectEngine({ ...process.env, DOCKER_HOST: 'ssh://deploy@127.0.0.1:1' });
		await expect(attempt).rejects.toBeInstanceOf(UsageError);
		await expect(attempt).rejects.toThrow(/^DOCKER_HOST ssh:\/\/deploy@127\.0\.0\.1:1: ssh:\/\/ engines are not supported; forward the engine's socket .* DOCKER_HOST=unix:\/\/\/tmp\/docker\.sock$/);
	});
});
