// The page's settings come from /config.json (written by the local stack, or by `make publish-web`
// from the deployed stack's outputs); nothing is compiled into the code.

const REQUIRED = ["apiBase", "region", "cognitoEndpoint", "userPoolId", "userPoolClientId"];

export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const config = await response.json();
  const missing = REQUIRED.filter((name) => typeof config[name] !== "string" || !config[name]);
  if (missing.length) throw new Error(`config.json lacks ${missing.join(", ")}`);
  return Object.freeze({ ...config, apiBase: config.apiBase.replace(/\/+$/, "") });
}
