/**
 * Read a submitted form as plain strings. A body that is not a form, or that
 * carries a file, is refused with 400: the portal never accepts uploads, and
 * a malformed request is the sender's mistake, not a server error.
 */
export async function readForm(request: Request): Promise<Record<string, string>> {
  let data: FormData;
  try {
    data = await request.formData();
  } catch {
    throw new Response(null, { status: 400 });
  }
  const form: Record<string, string> = {};
  for (const [key, value] of data) {
    if (typeof value !== "string") throw new Response(null, { status: 400 });
    // A repeated field keeps its first value; nothing in these forms repeats.
    if (!(key in form)) form[key] = value;
  }
  return form;
}
