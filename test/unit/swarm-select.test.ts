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

import { describeUpgradeSpec, monitorNs, upgradeSpec } from '../../source/targets/swarm/spec.js';

describe('swarm upgrade spec', () => {
	const current = {
		Name: 'web',
		Labels: { team: 'a' },
		TaskTemplate: { ContainerSpec: { Image: 'r/app:1.6.0@sha256:old', Env: ['DATABASE_URL=x'] }, RestartPolicy: { Condition: 'any' } },
		Mode: { Replicated: { Replicas: 2 } },
		UpdateConfig: { Order: 'start-first' },
	};
	it('keeps the whole spec, changes the image, and makes the engine roll back a failed update', () => {
		const next = upgradeSpec(current, 'r/app:1.6.1@sha256:new', 7e9);
		expect(next.TaskTemplate?.ContainerSpec).toEqual({ Image: 'r/app:1.6.1@sha256:new', Env: ['DATABASE_URL=x'] });
		expect(next.Mode).toEqual({ Replicated: { Replicas: 2 } });
		expect(next.Labels).toEqual({ team: 'a' });
		expect(next.UpdateConfig).toEqual({ Parallelism: 1, FailureAction: 'rollback', Monitor: 7e9, Order: 'start-first' });
		expect(current.TaskTemplate.ContainerSpec.Image).toBe('r/app:1.6.0@sha256:old');
		expect(describeUpgradeSpec(current, next)).toContain('image: r/app:1.6.0@sha256:old -> r/app:1.6.1@sha256:new');
	});
	it('watches each task for the health timeout, else the healthcheck window', () => {
		expect(monitorNs(4, undefined)).toBe(4e9);
		expect(monitorNs(undefined, { StartPeriod: 2e9, Interval: 1e9, Retries: 3 })).toBe(5e9);
		expect(monitorNs(undefined, { StartPeriod: 10e9, Interval: 2e9, Retries: 5 })).toBe(20e9);
		expect(monitorNs(undefined, undefined)).toBe(90e9);
	});
});
