#pragma once

#include "types.h"

namespace portcullis {

// Who performs a service call, and in which tenant. Every manager call takes one; there is no
// unchecked path. An API key acts for its owner, limited to the key's scopes.
struct Actor
{
    enum class Kind
    {
        User,
        ApiKey,
        System
    };

    Kind kind = Kind::User;
    Id userId = 0; // the user (for an API key: its owner)
    Id apiKeyId = 0; // set when Kind::ApiKey
    Id sessionId = 0; // the session the actor authenticated with, if any
    Id impersonatorId = 0; // set when the session is an impersonation: who is really acting
    Id organizationId = 0;
    QString email;
    int level = 0; // highest level among the actor's roles
    QStringList roleCodes;
    QSet<QString> permissions; // effective permissions (wildcards allowed), already limited by key scopes
    QString ip;
    QString userAgent;

    bool isSuperAdmin() const { return kind != Kind::ApiKey && level >= Level::SuperAdmin; }
    QString typeName() const
    {
        switch (kind) {
        case Kind::User:
            return QStringLiteral("user");
        case Kind::ApiKey:
            return QStringLiteral("api_key");
        case Kind::System:
            return QStringLiteral("system");
        }
        return QStringLiteral("system");
    }
    Id auditActorId() const { return kind == Kind::ApiKey ? apiKeyId : userId; }

    // The bootstrap actor used by `portcullis-server init` and migrations: level 100, every permission.
    static Actor system()
    {
        Actor a;
        a.kind = Kind::System;
        a.level = Level::SuperAdmin;
        a.permissions = { QStringLiteral("*") };
        a.email = QStringLiteral("system");
        return a;
    }
};

} // namespace portcullis
