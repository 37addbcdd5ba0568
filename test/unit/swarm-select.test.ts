import { describe, expect, it } from 'vitest';
import { imageWithoutDigest, serviceOfTask } from '../../source/targets/swarm/select.js';
import { parseCli } from '../../source/cli-options.js';

describe('swarm selection', () => {
	it('finds the service of a task container from its swarm labels', () => {
		expect(serviceOfTask({ 'com.docker.swarm.service.id': 'abc', 'com.docker.swarm.service.name': 'web', 'com.docker.swarm.task.id': 't' })).toEqual({ id: 'abc', name: 'web' });
		expect(serviceOfTask({ 'com.docker.compose.service': 'web' })).toBeUndefined();
		expect(serviceOfTask(undefined)).toBeUndefined();
	});
	it('compares task images without their digest', () => {
		expect(imageWithoutDigest('127.0.0.1:5000/acme/app:1.6.0@sha256:' + 'a'.repeat(64))).toBe('127.0.0.1:5000/acme/app:1.6.0');
		expect(imageWithoutDigest('acme/app:1.6.0')).toBe('acme/app:1.6.0');
	});
	it('takes --service NAME, repeatable, and refuses what is not a name', () => {
		expect(parseCli(['--service', 'web', '--service', 'api']).services).toEqual(['web', 'api']);
		expect(parseCli([]).services).toEqual([]);
		expect(() => parseCli(['--service', 'a b'])).toThrow(/--service takes a service name/);
	});
});
