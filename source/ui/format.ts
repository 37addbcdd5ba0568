// Figures and fixed-width cells for the screens. Byte and duration formats are
// the plain reporter's, so the TUI and --yes output read the same.
export { formatBytes, formatDuration, RESULT_WORDS, serviceDowntimeLines } from '../text/format.js';
import { maskUrlPasswords } from '../text/redact.js';
// The one masker, for screens that show what an operator typed or an error quoted.
export { maskUrlPasswords };

/** m:ss (h:mm:ss past an hour): a running clock that does not jump in width every second. */
export function formatClock(ms: number): string {
	const total = Math.max(0, Math.floor(ms / 1000));
	const hours = Math.floor(total / 3600);
	const minutes = Math.floor((total % 3600) / 60);
	const seconds = String(total % 60).padStart(2, '0');
	return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "3 d", "5 h", "12 min", "40 s": how long a container has been up. */
export function formatUptime(startedAt: string | undefined, now: number): string {
	if (!startedAt) return '';
	const started = Date.parse(startedAt);
	if (Number.isNaN(started) || started <= 0) return '';
	const seconds = Math.max(0, Math.floor((now - started) / 1000));
	if (seconds < 60) return `${seconds} s`;
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
	return `${Math.floor(seconds / 86_400)} d`;
}

/** Cut to width with an ellipsis; tables truncate, they never wrap. */
export function truncate(text: string, width: number): string {
	if (width <= 0) return '';
	if (text.length <= width) return text;
	if (width === 1) return '…';
	return `${text.slice(0, width - 1)}…`;
}

export function cell(text: string, width: number): string {
	return truncate(text, width).padEnd(width);
}

/** Column widths from content, each capped, so short values leave room for long ones. */
export function columnWidth(values: string[], min: number, max: number): number {
	return Math.min(max, Math.max(min, ...values.map((value) => value.length)));
}

/**
 * Word-wrap prose to width, continuing lines under `indent`: for reasons and
 * commands that must be read whole, while the frame still counts its lines.
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
	if (width <= indent.length + 8 || text.length <= width) return [text];
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/(\s+)/)) {
		if (line.length + word.length > width && line.trim()) {
			lines.push(line.trimEnd());
			line = indent + word.trimStart();
			while (line.length > width) {
				lines.push(line.slice(0, width));
				line = indent + line.slice(width);
			}
		} else {
			line += word;
		}
	}
	if (line.trim()) lines.push(line.trimEnd());
	return lines;
}


/**
 * A URL as the operator types it, password masked from its first character:
 * before the '@' is typed, whatever follows "user:" may be the password. A '/'
 * with no '@' means there is no userinfo (host:port/db), so nothing is hidden.
 */
export function maskTypedUrl(value: string): string {
	const match = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)(.*)$/i.exec(value);
	if (match) {
		const rest = match[2]!;
		const at = rest.indexOf('@');
		if (at >= 0) return maskUrlPasswords(`${match[1]}${at > 0 ? '***' : ''}${rest.slice(at)}`);
		if (rest && !rest.includes('/')) return `${match[1]}***`;
	}
	return maskUrlPasswords(value);
}

/**
 * "2026-11-22 14:03 (3 h ago)": when a run started, in the operator's local
 * time, with how long ago, since "is this the run I left last night?" is the
 * question the Recovery screen answers.
 */
export function formatWhen(iso: string, now: number): string {
	const at = new Date(iso);
	if (Number.isNaN(at.getTime())) return iso;
	const two = (value: number) => String(value).padStart(2, '0');
	const local = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}`;
	const ago = formatUptime(iso, now);
	return ago ? `${local} (${ago} ago)` : local;
}

/** Names joined to fit the width, the rest counted: "app-1, app-2 +3 more". */
export function joinFit(names: string[], width: number): string {
	const all = names.join(', ');
	if (all.length <= width) return all;
	for (let shown = names.length - 1; shown > 0; shown--) {
		const text = `${names.slice(0, shown).join(', ')} +${names.length - shown} more`;
		if (text.length <= width) return text;
	}
	return truncate(`${names.length} containers`, width);
}
