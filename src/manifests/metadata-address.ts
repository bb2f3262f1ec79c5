/**
 * Link-local metadata addresses a metric URL must not reach unless `allow-metadata-addresses` is set
 * (docs/security.md): 169.254.0.0/16 (the instance metadata service of AWS, GCP, Azure...; also as an
 * IPv4-mapped IPv6 address) and fd00:ec2::254 (AWS's IPv6 one). Pure: `lint` checks the hosts written
 * in the manifests; the providers check the URL as sent and the addresses its host resolves to.
 */

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(text: string): number[] | undefined {
  let s = text.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;
  // A dotted IPv4 tail (::ffff:169.254.169.254) is two groups.
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2, 6).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return undefined;
    s = `${dotted[1] ?? ''}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string | undefined): string[] => (h === undefined || h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/** The four octets of a dotted IPv4 address, or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((n) => n <= 255) ? octets : undefined;
}

/** Whether an address (IPv4, IPv6 with or without brackets) is a link-local metadata address. */
export function isMetadataAddress(address: string): boolean {
  const v4 = ipv4Octets(address);
  if (v4 !== undefined) return v4[0] === 169 && v4[1] === 254;
  const g = ipv6Groups(address);
  if (g === undefined) return false;
  // fd00:ec2::254
  if (g.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return true;
  // ::ffff:169.254.x.y (IPv4-mapped) and ::169.254.x.y (IPv4-compatible)
  const prefixZero = g.slice(0, 5).every((n) => n === 0);
  if (prefixZero && (g[5] === 0xffff || g[5] === 0) && g[6] === 0xa9fe) return true;
  return false;
}

/** Whether a host is an IP literal (IPv4 dotted, or IPv6 in brackets or bare). */
export function isIpLiteral(host: string): boolean {
  return ipv4Octets(host) !== undefined || ipv6Groups(host) !== undefined;
}

/**
 * The metadata address a URL names literally, or undefined. Hosts are read as a browser does
 * (`http://2852039166/` and `http://0xa9fea9fe/` are 169.254.169.254). A URL that does not parse (a
 * `{{args.host}}` placeholder) names none: the provider checks it when it is known.
 */
export function metadataHostOf(rawUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return undefined;
  }
  return isMetadataAddress(url.hostname) ? url.hostname : undefined;
}

/** The refusal for a metric URL that reaches `address`, naming the input that allows it. */
export function metadataRefusal(what: string, address: string): string {
  return `refused: ${what} reaches ${address}, a link-local metadata address (the cloud's instance metadata service); set allow-metadata-addresses: true to allow it (docs/security.md)`;
}
