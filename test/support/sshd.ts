import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './docker.js';
import { tempDir } from './temp-dir.js';

// A real sshd for the ssh:// engine path: on 127.0.0.1, a free high port, a
// host key and a client key made for this test in its temp dir, and a client
// config that trusts only that host key. The wizard's `ssh` is the system's,
// reached through a PATH shim that adds `-F <config>` (ssh reads ~/.ssh from
// the passwd entry, not $HOME, so the user's own files stay out of it).

export interface TestSshd {
	port: number;
	/** Environment for the wizard: PATH with the ssh shim first. */
	env: Record<string, string>;
	stop(): Promise<void>;
}

async function listening(port: number, ms: number): Promise<boolean> {
	const deadline = Date.now() + ms;
	for (let attempt = 0; Date.now() < deadline && attempt < 200; attempt++) {
		const ok = await new Promise<boolean>((resolve) => {
			const socket = connect(port, '127.0.0.1', () => {
				socket.destroy();
				resolve(true);
			});
			socket.on('error', () => resolve(false));
		});
		if (ok) return true;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return false;
}

export async function startSshd(): Promise<TestSshd> {
	const dir = tempDir('uw-sshd-');
	chmodSync(dir, 0o700);
	const hostKey = join(dir, 'host_ed25519');
	const clientKey = join(dir, 'client_ed25519');
	await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'uw-test-host', '-f', hostKey]);
	await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'uw-test-client', '-f', clientKey]);
	writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
	const port = await freePort();
	writeFileSync(
		join(dir, 'sshd_config'),
		[
			`Port ${port}`,
			'ListenAddress 127.0.0.1',
			`HostKey ${hostKey}`,
			`PidFile ${join(dir, 'sshd.pid')}`,
			`AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
			'AuthenticationMethods publickey',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'PermitRootLogin prohibit-password',
			'UsePAM no',
			'StrictModes no',
			'',
		].join('\n'),
	);
	const host = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
	writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${host}\n`);
	writeFileSync(
		join(dir, 'ssh_config'),
		['Host 127.0.0.1', `  IdentityFile ${clientKey}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  StrictHostKeyChecking yes', '  GlobalKnownHostsFile /dev/null', ''].join('\n'),
	);
	const bin = join(dir, 'bin');
	mkdirSync(bin);
	writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${join(dir, 'ssh_config')}' "$@"\n`, { mode: 0o755 });
	// sshd refuses to start without its privilege separation directory.
	mkdirSync('/run/sshd', { recursive: true });
	const daemon: ResultPromise = execa('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { reject: false, stdin: 'ignore' });
	if (!(await listening(port, 10_000))) {
		daemon.kill();
		const result = await daemon;
		throw new Error(`the test sshd did not listen on 127.0.0.1:${port}: ${String(result.stderr)}`);
	}
	return {
		port,
		env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
		stop: async () => {
			daemon.kill();
			await daemon;
		},
	};
}
