import type Docker from 'dockerode';

// The image's own healthcheck command, run by the wizard through `exec` so the
// gate need not wait for Docker's next healthcheck run (up to the interval,
// 30 s by default). The command is the image's (or the container's) own
// definition: the CMD form runs as its argv, the CMD-SHELL form through
// `/bin/sh -c` inside the container, exactly as Docker runs it. Each run is
// bounded by the healthcheck's timeout (2 s when it has none) and its output
// is capped: a check that hangs counts as failed.

const DEFAULT_TIMEOUT_MS = 2_000;
const OUTPUT_LIMIT = 4_096;

export interface OwnCheck {
	argv: string[];
	timeoutMs: number;
}

/** The argv of a Healthcheck.Test, or undefined when there is none to run (NONE, empty, unknown form). */
export function ownCheckCommand(test: string[] | undefined, timeoutNs?: number): OwnCheck | undefined {
	if (!test || test.length < 2) return undefined;
	const [form, ...rest] = test;
	const timeoutMs = timeoutNs && timeoutNs > 0 ? Math.ceil(timeoutNs / 1e6) : DEFAULT_TIMEOUT_MS;
	if (form === 'CMD') return { argv: rest, timeoutMs };
	if (form === 'CMD-SHELL') return { argv: ['/bin/sh', '-c', rest.join(' ')], timeoutMs };
	return undefined;
}

/** Run it once in the container: passed when it exits 0 within its timeout. */
export async function runOwnCheck(docker: Docker, id: string, check: OwnCheck): Promise<{ ok: boolean; detail: string }> {
	let stream: NodeJS.ReadableStream & { destroy?: () => void } | undefined;
	let timer: NodeJS.Timeout | undefined;
	try {
		const exec = await docker.getContainer(id).exec({ Cmd: check.argv, AttachStdout: true, AttachStderr: true });
		const started = exec.start({ hijack: true, stdin: false }) as Promise<NodeJS.ReadableStream & { destroy?: () => void }>;
		const output: Buffer[] = [];
		let size = 0;
		const finished = started.then(
			(s) =>
				new Promise<void>((resolve) => {
					stream = s;
					s.on('data', (chunk: Buffer) => {
						if (size < OUTPUT_LIMIT) output.push(chunk);
						size += chunk.length;
					});
					s.on('end', resolve);
					s.on('close', resolve);
					s.on('error', resolve);
				}),
		);
		const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), check.timeoutMs)));
		if ((await Promise.race([finished, timedOut])) === 'timeout') return { ok: false, detail: `the image's healthcheck command did not finish within ${check.timeoutMs} ms` };
		const { ExitCode } = await exec.inspect();
		// The multiplexed stream's 8-byte frame headers are not text: keep printable characters only.
		const text = Buffer.concat(output).toString('utf8').replace(/[^\x20-\x7e\n]/g, '').trim().slice(0, 200);
		return ExitCode === 0
			? { ok: true, detail: "the image's healthcheck command passed" }
			: { ok: false, detail: `the image's healthcheck command exited ${ExitCode ?? 'without a code'}${text ? `: ${text}` : ''}` };
	} catch (error) {
		return { ok: false, detail: `the image's healthcheck command could not run: ${(error as Error).message}` };
	} finally {
		clearTimeout(timer);
		stream?.destroy?.();
	}
}
