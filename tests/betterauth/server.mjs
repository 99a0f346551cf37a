// The better-auth server the Portcullis test suites run (tests/betterauthprocess.h, docs/better-auth.md):
// better-auth 1.7.5 with email and password, the admin, organization, bearer and api-key plugins,
// memory storage (every start is empty), telemetry off. It listens on 127.0.0.1 only.
//
//   node server.mjs [--port N] [--admin-email E] [--admin-password P] [--admin-name N]
//                   [--users N] [--rate-limit MAX]
//
// --port 0 (the default) takes a free port. The first admin comes from the arguments or from
// BETTER_AUTH_ADMIN_EMAIL / BETTER_AUTH_ADMIN_PASSWORD; --users N adds N plain users
// (user0001@example.com ... with the admin's password) for paging tests; --rate-limit MAX turns
// better-auth's own rate limiter on (MAX requests per 60 s per path). When everything is in place it
// prints one line: "better-auth test server listening on http://127.0.0.1:PORT/api/auth".
// SIGTERM and SIGINT end it at once.

import "./webcrypto.mjs"; // first: better-auth needs the global crypto (Node.js 18)
import http from "node:http";
import { parseArgs } from "node:util";

import { apiKey } from "@better-auth/api-key";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { admin, bearer, organization } from "better-auth/plugins";

const { values: args } = parseArgs({
    options: {
        port: { type: "string", default: "0" },
        "admin-email": { type: "string", default: process.env.BETTER_AUTH_ADMIN_EMAIL ?? "admin@example.com" },
        "admin-password": { type: "string", default: process.env.BETTER_AUTH_ADMIN_PASSWORD },
        "admin-name": { type: "string", default: "Admin" },
        users: { type: "string", default: "0" },
        "rate-limit": { type: "string" },
    },
    strict: true,
});
if (!args["admin-password"]) {
    console.error("server.mjs: give the first admin's password with --admin-password or BETTER_AUTH_ADMIN_PASSWORD");
    process.exit(64);
}

for (const signal of ["SIGTERM", "SIGINT"])
    process.on(signal, () => process.exit(0));

// Listen first: better-auth needs its own URL (base URL, trusted origin) before it is created.
let handler = null;
const server = http.createServer((req, res) => {
    if (handler)
        return handler(req, res);
    res.writeHead(503).end();
});
server.listen(Number(args.port), "127.0.0.1", async () => {
    const origin = `http://127.0.0.1:${server.address().port}`;
    const db = { user: [], session: [], account: [], verification: [], organization: [], member: [], invitation: [], apikey: [] };
    const rateLimit = args["rate-limit"] ? { enabled: true, window: 60, max: Number(args["rate-limit"]) } : { enabled: false };
    const auth = betterAuth({
        baseURL: origin,
        basePath: "/api/auth",
        trustedOrigins: [origin],
        // A fixed secret: the data lives in memory and dies with the process.
        secret: "portcullis-better-auth-test-secret-0123456789abcdef",
        database: memoryAdapter(db),
        emailAndPassword: { enabled: true },
        telemetry: { enabled: false },
        rateLimit,
        // Requests come from loopback without proxy headers: rate limits key on this one.
        advanced: { ipAddress: { ipAddressHeaders: ["x-forwarded-for"] } },
        plugins: [
            admin(),
            organization({
                // No mail in tests: say that an invitation would have been sent, without its id.
                async sendInvitationEmail(data) {
                    console.error(`invitation for ${data.email} to ${data.organization.name}`);
                },
            }),
            bearer(),
            apiKey({ enableSessionForAPIKeys: true }),
        ],
    });
    try {
        await auth.api.createUser({
            body: { email: args["admin-email"], password: args["admin-password"], name: args["admin-name"], role: "admin" },
        });
        for (let i = 1; i <= Number(args.users); ++i) {
            const n = String(i).padStart(4, "0");
            await auth.api.createUser({
                body: { email: `user${n}@example.com`, password: args["admin-password"], name: `User ${n}`, role: "user" },
            });
        }
    } catch (error) {
        console.error(`server.mjs: could not create the first users: ${error?.message ?? error}`);
        process.exit(1);
    }
    // Server-only in better-auth (no HTTP route): exposed here so tests can check a key works.
    const nodeHandler = toNodeHandler(auth);
    handler = async (req, res) => {
        if (req.method === "POST" && req.url === "/peer/verify-api-key") {
            let body = "";
            for await (const chunk of req)
                body += chunk;
            let answer;
            try {
                const { key, permissions } = JSON.parse(body);
                answer = await auth.api.verifyApiKey({ body: { key, permissions } });
            } catch (error) {
                answer = { valid: false, error: { message: String(error?.message ?? error), code: "BAD_REQUEST" }, key: null };
            }
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
            return;
        }
        return nodeHandler(req, res);
    };
    console.log(`better-auth test server listening on ${origin}/api/auth`);
});
server.on("error", error => {
    console.error(`server.mjs: ${error.message}`);
    process.exit(1);
});
