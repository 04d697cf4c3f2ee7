// The console's HTTP calls (docs/agent-protocol.md §2) and the service catalogue.
// Each returns {ok, status, body}; network failures give status 0.

async function request(method, path, body) {
  const options = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch {
    return { ok: false, status: 0, body: null, headers: null };
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  return { ok: response.ok, status: response.status, body: data, headers: response.headers };
}

export const login = (email, password) => request("POST", "/api/v1/agent/login", { email, password });
export const logout = () => request("POST", "/api/v1/agent/logout");
export const me = () => request("GET", "/api/v1/agent/me");
export const services = () => request("GET", "/api/v1/services");
