import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../source/core/errors.js';
import { contextDirName } from '../../source/docker/docker-contexts.js';
import { parseEndpoint, resolveEngine, resolveEngines, type EngineRef } from '../../source/docker/engine-resolve.js';
import { sshArgs } from '../../source/docker/ssh-dial.js';
import { engineIdentity } from '../../source/docker/engine-identity.js';
import { parseCli } from '../../source/cli-options.js';
import { tempDir } from '../support/temp-dir.js';

// The docker CLI's rules, one at a time, against a DOCKER_CONFIG made here.

interface ContextSpec {
	host: string;
	skipVerify?: boolean;
	tls?: Array<'ca.pem' | 'cert.pem' | 'key.pem'>;
}

function dockerConfig(contexts: Record<string, ContextSpec>, current?: string): string {
	const dir = tempDir('uw-docker-config-');
	for (const [name, spec] of Object.entries(contexts)) {
		const meta = join(dir, 'contexts', 'meta', contextDirName(name));
		mkdirSync(meta, { recursive: true });
		const doc = { Name: name, Metadata: { Description: `test ${name}` }, Endpoints: { docker: { Host: spec.host, SkipTLSVerify: spec.skipVerify ?? false } } };
		writeFileSync(join(meta, 'meta.json'), JSON.stringify(doc));
		if (spec.tls) {
			const tls = join(dir, 'contexts', 'tls', contextDirName(name), 'docker');
			mkdirSync(tls, { recursive: true });
			for (const file of spec.tls) writeFileSync(join(tls, file), `not a real ${file}`);
		}
	}
	if (current !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
	return dir;
}

const contexts = { rootless: { host: 'unix:///run/user/1000/docker.sock' }, remote: { host: 'tcp://10.0.0.5:2376', tls: ['ca.pem', 'cert.pem', 'key.pem'] as const }, box: { host: 'ssh://deploy@box:2222' } };

function env(extra: Record<string, string>, config = dockerConfig(contexts as Record<string, ContextSpec>)): NodeJS.ProcessEnv {
	return { HOME: '/nonexistent-home', DOCKER_CONFIG: config, ...extra };
}

const endpointOf = (refs: EngineRef[], e: NodeJS.ProcessEnv) => resolveEngine(refs, e).endpoint;

describe('the context store', () => {
	it('names a context directory by the sha256 hex of the name, as the docker CLI does', () => {
		// The CLI's own directory for a context named "local" (seen in ~/.docker/contexts/tls).
		expect(contextDirName('local')).toBe('25bf8e1a2393f1108d37029b3df5593236c755742ec93465bbafa9b290bddcf6');
	});
});

describe('resolveEngine: which engine, in the docker CLI order', () => {
	it('falls back to the default socket with nothing set (no config file at all)', () => {
		const target = resolveEngine([], { HOME: '/nonexistent-home', DOCKER_CONFIG: tempDir('uw-empty-config-') });
		expect(target).toMatchObject({ endpoint: 'unix:///var/run/docker.sock', name: 'unix:///var/run/docker.sock', transport: { kind: 'socket', path: '/var/run/docker.sock' } });
	});

	it('uses config.json currentContext when nothing else is set', () => {
		const target = resolveEngine([], env({}, dockerConfig(contexts as Record<string, ContextSpec>, 'rootless')));
		expect(target).toMatchObject({ name: 'rootless', endpoint: 'unix:///run/user/1000/docker.sock', via: 'currentContext rootless' });
	});

	it('DOCKER_CONTEXT beats currentContext', () => {
		expect(resolveEngine([], env({ DOCKER_CONTEXT: 'box' }, dockerConfig(contexts as Record<string, ContextSpec>, 'rootless')))).toMatchObject({ name: 'box', transport: { kind: 'ssh', host: 'box', user: 'deploy', port: 2222 } });
	});

	it('DOCKER_HOST beats DOCKER_CONTEXT and currentContext', () => {
		const e = env({ DOCKER_HOST: 'unix:///tmp/other.sock', DOCKER_CONTEXT: 'box' }, dockerConfig(contexts as Record<string, ContextSpec>, 'rootless'));
		expect(resolveEngine([], e)).toMatchObject({ endpoint: 'unix:///tmp/other.sock', name: 'unix:///tmp/other.sock', via: 'DOCKER_HOST' });
	});

	it('--context beats DOCKER_HOST, and --host beats DOCKER_CONTEXT', () => {
		expect(endpointOf([{ kind: 'context', value: 'rootless' }], env({ DOCKER_HOST: 'unix:///tmp/other.sock' }))).toBe('unix:///run/user/1000/docker.sock');
		expect(endpointOf([{ kind: 'host', value: 'unix:///tmp/h.sock' }], env({ DOCKER_CONTEXT: 'rootless' }))).toBe('unix:///tmp/h.sock');
	});

	it('the context named "default" is DOCKER_HOST, else the default socket', () => {
		expect(endpointOf([{ kind: 'context', value: 'default' }], env({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }))).toBe('tcp://127.0.0.1:2375');
		expect(endpointOf([], env({ DOCKER_CONTEXT: 'default' }))).toBe('unix:///var/run/docker.sock');
		expect(endpointOf([], env({}, dockerConfig({}, 'default')))).toBe('unix:///var/run/docker.sock');
	});

	it('refuses an unknown context in one line naming it (exit 2), whichever way it was named', () => {
		for (const [refs, extra, via] of [
			[[{ kind: 'context', value: 'nope' }], {}, '--context'],
			[[], { DOCKER_CONTEXT: 'nope' }, 'DOCKER_CONTEXT'],
		] as const) {
			const attempt = () => resolveEngine([...refs], env(extra));
			expect(attempt).toThrow(UsageError);
			expect(attempt).toThrow(new RegExp(`^docker context "nope" \\(${via}\\) not found in .*contexts: \`docker context ls\` lists the contexts$`));
		}
		expect(() => resolveEngine([], env({}, dockerConfig({}, 'gone')))).toThrow(/^docker context "gone" \(currentContext\) not found/);
	});

	it('takes the TLS material of a context from contexts/tls/<sha256>/docker, verifying unless SkipTLSVerify', () => {
		const config = dockerConfig({ remote: contexts.remote as ContextSpec, lax: { host: 'tcp://10.0.0.6', skipVerify: true, tls: ['ca.pem'] }, plain: { host: 'tcp://10.0.0.7' } });
		const remote = resolveEngine([{ kind: 'context', value: 'remote' }], env({}, config));
		const tlsDir = join(config, 'contexts', 'tls', contextDirName('remote'), 'docker');
		expect(remote).toMatchObject({ name: 'remote', transport: { kind: 'tcp', host: '10.0.0.5', port: 2376 } });
		expect(remote.tls).toEqual({ ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'cert.pem'), key: join(tlsDir, 'key.pem'), verify: true });
		const lax = resolveEngine([{ kind: 'context', value: 'lax' }], env({}, config));
		// TLS data present: the TLS port is the default, as the CLI parses it.
		expect(lax).toMatchObject({ transport: { kind: 'tcp', host: '10.0.0.6', port: 2376 }, tls: { verify: false, cert: undefined, key: undefined } });
		// No TLS files and no SkipTLSVerify: plain TCP on the plain port.
		expect(resolveEngine([{ kind: 'context', value: 'plain' }], env({}, config))).toMatchObject({ transport: { kind: 'tcp', port: 2375 }, tls: undefined });
	});

	it('reads DOCKER_TLS_VERIFY with DOCKER_CERT_PATH (default: the docker config directory) for a tcp host', () => {
		const certs = tempDir('uw-certs-');
		for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, file), 'x');
		const withPath = resolveEngine([{ kind: 'host', value: 'tcp://engine.lan' }], env({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }));
		expect(withPath).toMatchObject({ transport: { kind: 'tcp', host: 'engine.lan', port: 2376 }, tls: { ca: join(certs, 'ca.pem'), cert: join(certs, 'cert.pem'), key: join(certs, 'key.pem'), verify: true } });
		const config = tempDir('uw-config-certs-');
		writeFileSync(join(config, 'ca.pem'), 'x');
		const fromConfig = resolveEngine([], env({ DOCKER_HOST: 'tcp://engine.lan:2376', DOCKER_TLS_VERIFY: '1' }, config));
		expect(fromConfig.tls).toEqual({ ca: join(config, 'ca.pem'), cert: undefined, key: undefined, verify: true });
		expect(resolveEngine([], env({ DOCKER_HOST: 'tcp://engine.lan' }))).toMatchObject({ transport: { port: 2375 }, tls: undefined });
	});

	it('gives one target per --host/--context, in the order given; the one-engine callers refuse several', () => {
		const refs: EngineRef[] = [{ kind: 'context', value: 'rootless' }, { kind: 'host', value: 'ssh://ops@b' }, { kind: 'context', value: 'remote' }];
		expect(resolveEngines(refs, env({})).map((target) => target.name)).toEqual(['rootless', 'ssh://ops@b', 'remote']);
		expect(() => resolveEngine(refs, env({}))).toThrow(/^this drives one engine at a time \(given: rootless, ssh:\/\/ops@b, remote\): give one --host or --context$/);
	});
});

describe('engine identity: one engine, however it is named', () => {
	it('takes two spellings of one endpoint, or a context pointing where a --host points, as one engine named by the first', () => {
		const refs: EngineRef[] = [
			{ kind: 'context', value: 'rootless' },
			{ kind: 'host', value: 'unix:///run/user/1000/docker.sock' },
			{ kind: 'host', value: 'tcp://Engine.LAN' },
			{ kind: 'host', value: 'engine.lan:2375' },
			{ kind: 'host', value: 'ssh://deploy@box:22' },
			{ kind: 'host', value: 'ssh://deploy@box' },
		];
		expect(resolveEngines(refs, env({})).map((target) => target.name)).toEqual(['rootless', 'tcp://Engine.LAN', 'ssh://deploy@box:22']);
	});

	it('compares sockets by their real path (a link to a socket is the same engine)', () => {
		const dir = tempDir('uw-socket-link-');
		writeFileSync(join(dir, 'docker.sock'), '');
		symlinkSync(dir, join(dir, 'link'));
		const targets = resolveEngines([{ kind: 'host', value: `unix://${dir}/link/docker.sock` }, { kind: 'host', value: `unix://${dir}/docker.sock` }], env({}));
		expect(targets.map((target) => target.name)).toEqual([`unix://${dir}/link/docker.sock`]);
		expect(engineIdentity(targets[0]!.transport)).toBe(`unix://${realpathSync(dir)}/docker.sock`);
	});

	it('keeps engines apart that differ by user, port or transport', () => {
		const refs: EngineRef[] = [
			{ kind: 'host', value: 'ssh://deploy@box' },
			{ kind: 'host', value: 'ssh://ops@box' },
			{ kind: 'host', value: 'ssh://deploy@box:2222' },
			{ kind: 'host', value: 'tcp://box:2375' },
			{ kind: 'host', value: 'tcp://box:2376' },
			{ kind: 'host', value: 'unix:///run/a.sock' },
		];
		expect(resolveEngines(refs, env({}))).toHaveLength(6);
	});
});

describe('parseEndpoint', () => {
	it('parses the DOCKER_HOST forms', () => {
		expect(parseEndpoint('unix://', '--host', false)).toEqual({ endpoint: 'unix:///var/run/docker.sock', transport: { kind: 'socket', path: '/var/run/docker.sock' } });
		expect(parseEndpoint('127.0.0.1:2375', '--host', false)).toEqual({ endpoint: 'tcp://127.0.0.1:2375', transport: { kind: 'tcp', host: '127.0.0.1', port: 2375 } });
		expect(parseEndpoint('ssh://box', '--host', false)).toEqual({ endpoint: 'ssh://box', transport: { kind: 'ssh', host: 'box', user: undefined, port: undefined } });
	});

	it('refuses what the engine cannot be reached by, in one line naming it', () => {
		expect(() => parseEndpoint('http://x', '--host', false)).toThrow(/^--host "http:\/\/x": http:\/\/ is not an engine endpoint/);
		expect(() => parseEndpoint('ssh://u:pw@x', '--host', false)).toThrow(/not in the endpoint/);
		expect(() => parseEndpoint('tcp://x:1/prefix', 'DOCKER_HOST', false)).toThrow(/^DOCKER_HOST "tcp:\/\/x:1\/prefix": a path after the host/);
	});
});

describe('the ssh command line', () => {
	it('is the docker CLI one: options, then --, then the host and dial-stdio', () => {
		expect(sshArgs({ host: 'box', user: 'deploy', port: 2222 })).toEqual(['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=30', '-l', 'deploy', '-p', '2222', '--', 'box', 'docker', 'system', 'dial-stdio']);
		// A host that looks like an option stays a host.
		expect(sshArgs({ host: '-oProxyCommand=x' }).slice(-5)).toEqual(['--', '-oProxyCommand=x', 'docker', 'system', 'dial-stdio']);
	});
});

describe('parseCli --host/--context', () => {
	it('keeps them in command-line order; -H is --host', () => {
		expect(parseCli(['--context', 'a', '-H', 'unix:///x.sock', '--host', 'ssh://b', '--dry-run']).engines).toEqual([
			{ kind: 'context', value: 'a' },
			{ kind: 'host', value: 'unix:///x.sock' },
			{ kind: 'host', value: 'ssh://b' },
		]);
		expect(parseCli(['--dry-run']).engines).toEqual([]);
		expect(() => parseCli(['--context', ''])).toThrow(/--context takes a docker context name/);
	});
});
