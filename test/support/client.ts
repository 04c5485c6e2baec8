/**
 * A tiny browser without JavaScript: follows nothing by itself, keeps cookies,
 * and posts forms the way a browser does (urlencoded, with an Origin).
 */
export class Client {
  cookies = new Map<string, string>();
  constructor(readonly base: string, readonly headers: Record<string, string> = {}) {}

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...rest] = pair.split("=");
      const value = rest.join("=");
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async get(path: string): Promise<Response> {
    const response = await fetch(this.base + path, { redirect: "manual", headers: { ...this.headers, cookie: this.cookieHeader() } });
    return this.remember(response);
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    const response = await fetch(this.base + path, {
      method: "POST",
      redirect: "manual",
      headers: { ...this.headers, cookie: this.cookieHeader(), origin: this.base, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
    return this.remember(response);
  }

  /** Follow redirects from a response, like a browser would, returning the final page. */
  async follow(response: Response): Promise<Response> {
    let current = response;
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400; i++) {
      current = await this.get(new URL(current.headers.get("location")!, this.base).pathname + new URL(current.headers.get("location")!, this.base).search);
    }
    return current;
  }
}

/** The visible text of a page's main content (tags stripped), for assertions a person would make. */
export function mainText(html: string): string {
  const main = html.match(/<main[\s\S]*<\/main>/)?.[0] ?? html;
  return main.replace(/<[^>]+>/g, " ").replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}

export function testId(html: string, id: string): string | undefined {
  return html.match(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`))?.[1];
}

export const VALID_REQUEST = {
  who: { relation: "self" },
  where: { country: "NL" },
  what: { wants: "both" },
  items: { urls: "https://files.example.net/a/1.jpg\nexample.org/gallery/2", pdq: "", sha256: "", md5: "d41d8cd98f00b204e9800998ecf8427e", references: "" },
  detail: { disclosure: "full" },
  contact: { contactMethod: "none", email: "", organisation: "" },
} as const;

/** Answer every step of the request form; returns the client, ready to send from the review page. */
export async function fillRequest(client: Client, answers: Record<string, Record<string, string>> = VALID_REQUEST as any) {
  await client.get("/request/who");
  for (const step of ["who", "where", "what", "items", "detail", "contact"]) {
    const response = await client.post(`/request/${step}`, answers[step]);
    if (response.status !== 302) throw new Error(`step ${step} answered ${response.status}: ${mainText(await response.text()).slice(0, 300)}`);
  }
}

export async function fileRequest(client: Client, answers?: Record<string, Record<string, string>>) {
  await fillRequest(client, answers);
  const response = await client.post("/request/review", {});
  const html = await response.text();
  const reference = testId(html, "case-reference");
  const secret = testId(html, "case-secret");
  if (!reference || !secret) throw new Error(`no receipt: ${response.status} ${mainText(html).slice(0, 300)}`);
  return { reference, secret, html };
}
