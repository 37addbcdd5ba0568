import { UsageError } from './core/errors.js';

// parseArgs refuses an option value that starts with '-' ("argument is
// ambiguous"), which tells the operator of `--health-timeout -5` nothing. A
// negative number cannot be an option, so it is passed on as the value and
// judged by the option's own check ("a negative number of seconds"); anything
// else after an option that needs a value is a forgotten value, said so.

type Spec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const NEGATIVE_NUMBER = /^-\d+(\.\d+)?$/;

export function joinDashValues(argv: readonly string[], spec: Spec): string[] {
	const valueOptions = new Map<string, string>();
	for (const [name, option] of Object.entries(spec)) {
		if (option.type !== 'string') continue;
		valueOptions.set(`--${name}`, name);
		if (option.short) valueOptions.set(`-${option.short}`, name);
	}
	const out: string[] = [];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i]!;
		if (arg === '--') return [...out, ...argv.slice(i)];
		const name = valueOptions.get(arg);
		const next = argv[i + 1];
		if (name !== undefined && next !== undefined && next.length > 1 && next.startsWith('-')) {
			if (!NEGATIVE_NUMBER.test(next)) throw new UsageError(`${arg} needs a value, but ${next} follows it (see --help); a value that starts with '-' is written --${name}=${next}`);
			out.push(`--${name}=${next}`);
			i++;
			continue;
		}
		out.push(arg);
	}
	return out;
}
