import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyProblem, describeHealth, healthOptionsFor, type BodyRule } from '../../source/core/plan/health.js';
import { checkHealthUrl } from '../../source/docker/health.js';
import { httpEndpoint } from '../../source/docker/health-endpoint.js';
import { validateProfile } from '../../source/profiles/schema.js';
import { MINIMAL_PROFILE } from '../support/profile-doc.js';
import { UsageError } from '../../source/core/errors.js';

const QUAY: BodyRule[] = [
	{ path: 'data.services.*', equals: true },
	{ path: 'is_testing', equals: false, optional: true },
];

describe('health body rules', () => {
	it('passes when every service is true and is_testing is absent or false', () => {
		expect(bodyProblem({ data: { services: { auth: true, database: true } } }, QUAY)).toBeUndefined();
		expect(bodyProblem({ data: { services: { auth: true } }, is_testing: false }, QUAY)).toBeUndefined();
	});

	it('names the service that is false, and a present is_testing that is not false', () => {
		expect(bodyProblem({ data: { services: { auth: true, storage: false } } }, QUAY)).toBe('data.services.storage is false, not true');
		expect(bodyProblem({ data: { services: { auth: true } }, is_testing: true }, QUAY)).toBe('is_testing is true, not false');
		expect(bodyProblem({ data: { services: { auth: true } }, is_testing: 'no' }, QUAY)).toBe('is_testing is "no", not false');
	});

	it('fails a required path that reaches nothing: no services at all is not healthy', () => {
		expect(bodyProblem({ data: { services: {} } }, QUAY)).toBe('data.services.* is missing');
		expect(bodyProblem({ status_code: 200 }, QUAY)).toBe('data.services.* is missing');
		expect(bodyProblem([1, 2], [{ path: 'status', equals: 'OK' }])).toBe('status is missing');
	});

	it('walks lists with *, compares strings, numbers and null exactly', () => {
		expect(bodyProblem({ checks: [{ ok: 'OK' }, { ok: 'OK' }] }, [{ path: 'checks.*.ok', equals: 'OK' }])).toBeUndefined();
		expect(bodyProblem({ checks: [{ ok: 'OK' }, { ok: 'ok' }] }, [{ path: 'checks.*.ok', equals: 'OK' }])).toBe('checks.1.ok is "ok", not "OK"');
		expect(bodyProblem({ n: '1' }, [{ path: 'n', equals: 1 }])).toBe('n is "1", not 1');
		expect(bodyProblem({ d: null }, [{ path: 'd', equals: null }])).toBeUndefined();
	});
});

describe('the profile health in the schema and the plan', () => {
	const base = MINIMAL_PROFILE;
	it('reads body rules', () => {
		const doc = validateProfile({ ...base, health: { port: 8080, path: '/health/endtoend', body: QUAY } }, 'f.yaml');
		expect(doc.health).toEqual({ port: 8080, path: '/health/endtoend', status: 200, body: QUAY });
	});
	it.each([
		[{ port: 1, path: '/h', body: [] }, 'health.body: must be a non-empty list'],
		[{ port: 1, path: '/h', body: [{ path: 'a..b', equals: true }] }, 'health.body[0].path: must be a dotted path'],
		[{ port: 1, path: '/h', body: [{ path: 'a', equals: [1] }] }, 'health.body[0].equals: must be a string, number, true/false or null, not a list'],
		[{ port: 1, path: '/h', body: [{ path: 'a', equals: 1, optional: 'yes' }] }, 'health.body[0].optional: must be true or false'],
		[{ port: 1, path: '/h', body: [{ path: 'a', equals: 1, when: 1 }] }, 'health.body[0].when: unknown key'],
	])('refuses %j naming the key', (health, message) => {
		expect(() => validateProfile({ ...base, health }, 'f.yaml')).toThrow(UsageError);
		expect(() => validateProfile({ ...base, health }, 'f.yaml')).toThrow(`profile f.yaml: ${message}`);
	});
	it('the plan line says what the gate checks; --health-url moves the address, not the rules', () => {
		const profile = { health: { port: 8080, path: '/health/endtoend', status: 200, body: QUAY } };
		const own = healthOptionsFor(profile, { healthTimeoutS: 60, stableS: 10 });
		expect(describeHealth(own)).toBe(
			"health gate: the new image's Docker healthcheck if it has one; HTTP 200 from :8080/health/endtoend with data.services.* all true, is_testing false when present; else running 10 s without a restart (timeout 60 s)",
		);
		const moved = healthOptionsFor(profile, { healthUrl: 'http://lb/health', healthTimeoutS: 60, stableS: 10 });
		expect(moved.url).toBe('http://lb/health');
		expect(moved.http?.body).toEqual(QUAY);
		expect(describeHealth(healthOptionsFor(undefined, { healthTimeoutS: 5, stableS: 1 }))).not.toContain('HTTP');
	});
});

describe('where the host asks a container port', () => {
	const networks = { bridge: { IPAddress: '172.17.0.5' } };
	it('prefers the published port, on loopback for a wildcard binding', () => {
		const info = { HostConfig: { NetworkMode: 'bridge' }, NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '::', HostPort: '49001' }, { HostIp: '0.0.0.0', HostPort: '49001' }] }, Networks: networks } };
		expect(httpEndpoint(info as never, 8080, '/h')).toEqual({ url: 'http://127.0.0.1:49001/h', via: 'published port 49001' });
		const bound = { ...info, NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.2', HostPort: '8081' }] }, Networks: networks } };
		expect(httpEndpoint(bound as never, 8080, '/h')).toMatchObject({ url: 'http://127.0.0.2:8081/h' });
	});
	it("else the container's address; host mode is loopback; container: mode asks the peer; none is unreachable", () => {
		expect(httpEndpoint({ HostConfig: { NetworkMode: 'bridge' }, NetworkSettings: { Ports: {}, Networks: networks } } as never, 8080, '/h')).toMatchObject({ url: 'http://172.17.0.5:8080/h' });
		expect(httpEndpoint({ HostConfig: { NetworkMode: 'host' }, NetworkSettings: {} } as never, 9000, '/h')).toMatchObject({ url: 'http://127.0.0.1:9000/h' });
		expect(httpEndpoint({ HostConfig: { NetworkMode: 'container:abc' }, NetworkSettings: {} } as never, 9000, '/h')).toEqual({ peer: 'abc' });
		expect(httpEndpoint({ HostConfig: { NetworkMode: 'none' }, NetworkSettings: { Networks: { none: { IPAddress: '' } } } } as never, 9000, '/h')).toEqual({
			unreachable: 'port 9000 is not published and the container has no address this host can reach (network mode none)',
		});
	});
});

describe('checkHealthUrl against a real HTTP server', () => {
	let server: Server;
	let base = '';
	const bodies: Record<string, [number, string]> = {
		'/ok': [200, '{"data":{"services":{"db":true}}}'],
		'/storage': [200, '{"data":{"services":{"db":true,"storage":false}}}'],
		'/text': [200, 'OK'],
		'/created': [201, '{}'],
	};
	beforeAll(async () => {
		server = createServer((request, response) => {
			const [status, body] = bodies[request.url ?? ''] ?? [404, ''];
			response.writeHead(status, { 'content-type': 'application/json' }).end(body);
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
	});
	afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

	const rules = { status: 200, body: [{ path: 'data.services.*', equals: true }] };
	it('a 200 whose body fails a rule is not healthy, and says which value', async () => {
		expect(await checkHealthUrl(`${base}/ok`, rules)).toEqual({ ok: true, detail: `HTTP 200 from ${base}/ok, body rules hold` });
		expect(await checkHealthUrl(`${base}/storage`, rules)).toEqual({ ok: false, detail: `${base}/storage answered 200 but data.services.storage is false, not true` });
		expect((await checkHealthUrl(`${base}/text`, rules)).detail).toContain('its body is not JSON');
	});
	it('without rules a plain 200 is enough; the expected status is what counts', async () => {
		expect((await checkHealthUrl(`${base}/text`)).ok).toBe(true);
		expect((await checkHealthUrl(`${base}/storage`)).ok).toBe(true);
		expect((await checkHealthUrl(`${base}/created`)).ok).toBe(false);
		expect((await checkHealthUrl(`${base}/created`, { status: 201, body: [] })).ok).toBe(true);
	});
});
