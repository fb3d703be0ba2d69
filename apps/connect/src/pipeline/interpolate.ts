const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Env = Readonly<Record<string, string | undefined>>;

export type Interpolated = { ok: true; value: string } | { ok: false; message: string };

/**
 * Expands `${VAR}` and `${VAR:-default}` (the default applies when VAR is unset or empty, as in a shell);
 * `$${` stands for a literal `${`. A missing variable without a default is an error naming it.
 */
export function interpolate(text: string, env: Env): Interpolated {
  if (!text.includes('${')) return { ok: true, value: text };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('$', i);
    if (at < 0) break;
    out += text.slice(i, at);
    if (text.startsWith('$${', at)) {
      out += '${';
      i = at + 3;
      continue;
    }
    if (!text.startsWith('${', at)) {
      out += '$';
      i = at + 1;
      continue;
    }
    const close = text.indexOf('}', at + 2);
    if (close < 0) {
      return { ok: false, message: `unclosed "\${" in "${text}" (write "$\${" for a literal "\${")` };
    }
    const inner = text.slice(at + 2, close);
    const sep = inner.indexOf(':-');
    const name = sep < 0 ? inner : inner.slice(0, sep);
    if (!NAME.test(name)) {
      return {
        ok: false,
        message: `"\${${inner}}" is not a variable reference: use \${NAME} or \${NAME:-default} (write "$\${" for a literal "\${")`,
      };
    }
    const value = env[name];
    if (value !== undefined && value !== '') out += value;
    else if (sep >= 0) out += inner.slice(sep + 2);
    else {
      return {
        ok: false,
        message: `environment variable ${name} is ${value === '' ? 'empty' : 'not set'}; set it (export ${name}=...) or give a default: \${${name}:-value}`,
      };
    }
    i = close + 1;
  }
  return { ok: true, value: out + text.slice(i) };
}
