import { inject } from 'vitest';
import { docker, TEST_LABEL, uniqueName } from './docker.js';

// The product-like fixture images (test/world/fixtures/products): their
// repositories from world.env, and the few docker steps their tests repeat.

export type Product = 'quay' | 'anchore' | 'proget' | 'widget';

/** `<registry>/<repo>` of a product fixture, as up.sh wrote it (UW_QUAY_REPO, …). */
export function productRepo(product: Product): string {
	const key = `UW_${product.toUpperCase()}_REPO`;
	const value = inject('world')[key];
	if (!value) throw new Error(`world.env has no ${key}: did test/world/up.sh (with fixtures/products) run?`);
	return value;
}

export interface Started {
	name: string;
	/** http://127.0.0.1:<published port> */
	url: string;
}

/** `docker run -d` with the test and case labels, publishing `port` on a random 127.0.0.1 port. */
export async function startDetached(options: { image: string; port: number; caseLabel: string; args?: string[]; command?: string[] }): Promise<Started> {
	const name = uniqueName('uw-product');
	await docker([
		'run', '-d', '--name', name,
		'--label', TEST_LABEL, '--label', options.caseLabel,
		'-p', `127.0.0.1::${options.port}`,
		...(options.args ?? []),
		options.image,
		...(options.command ?? []),
	]);
	const { stdout } = await docker(['port', name, `${options.port}/tcp`]);
	// One line per binding, e.g. "127.0.0.1:49153".
	const hostPort = stdout.trim().split('\n')[0]!.split(':').pop();
	return { name, url: `http://127.0.0.1:${hostPort}` };
}

/** A one-off `docker run --rm` (a migration command); never rejects, the exit code is the point. */
export async function runOnce(options: { image: string; caseLabel: string; args?: string[]; command?: string[] }) {
	return docker(
		['run', '--rm', '--label', TEST_LABEL, '--label', options.caseLabel, ...(options.args ?? []), options.image, ...(options.command ?? [])],
		{ reject: false },
	);
}

export interface Answer {
	status: number;
	body: string;
}

async function get(url: string): Promise<Answer | undefined> {
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
		return { status: response.status, body: await response.text() };
	} catch {
		return undefined; // not listening yet
	}
}

/** Poll (bounded) until `url` answers with `status`; the images without a HEALTHCHECK are waited for this way. */
export async function waitForStatus(url: string, status: number, container: string, timeoutMs = 30_000): Promise<Answer> {
	const deadline = Date.now() + timeoutMs;
	let last: Answer | undefined;
	while (Date.now() < deadline) {
		last = await get(url);
		if (last?.status === status) return last;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${JSON.stringify(last)})\n${await logsOf(container)}`);
}

export async function logsOf(container: string): Promise<string> {
	const { stdout, stderr } = await docker(['logs', container], { reject: false });
	return `${stdout}\n${stderr}`;
}

/** The image's labels and healthcheck, as the engine stores them. */
export async function imageConfig(image: string): Promise<{ Labels: Record<string, string>; Healthcheck?: { Test: string[]; Interval: number } | null }> {
	const { stdout } = await docker(['image', 'inspect', '--format', '{{json .Config}}', image]);
	return JSON.parse(stdout);
}
