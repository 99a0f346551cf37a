<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>Portcullis::Roles</name>
    <message numerus="yes">
        <source>Role %1 is assigned to %n user(s); remove it from them first or delete with cascade</source>
        <translation>
            <numerusform>Role %1 is assigned to %Ln user; remove it from them first or delete with cascade</numerusform>
            <numerusform>Role %1 is assigned to %Ln users; remove it from them first or delete with cascade</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyDialog</name>
    <message numerus="yes">
        <source>%n users match “%1”; type the whole email address.</source>
        <translation>
            <numerusform>%Ln user matches “%1”; type the whole email address.</numerusform>
            <numerusform>%Ln users match “%1”; type the whole email address.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n scope(s) checked of %1 the owner holds</source>
        <translation>
            <numerusform>%Ln scope checked of %1 the owner holds</numerusform>
            <numerusform>%Ln scopes checked of %1 the owner holds</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeysPane</name>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%Ln key</numerusform>
            <numerusform>%Ln keys</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Finds keys whose name or owner email contains the text, and the key a pasted prefix (pk_live_…) or whole key belongs to. Type at least %n character(s).</source>
        <translation>
            <numerusform>Finds keys whose name or owner email contains the text, and the key a pasted prefix (pk_live_…) or whole key belongs to. Type at least %n character.</numerusform>
            <numerusform>Finds keys whose name or owner email contains the text, and the key a pasted prefix (pk_live_…) or whole key belongs to. Type at least %n characters.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Type at least %n character(s) to search the keys; all keys are listed meanwhile.</source>
        <translation>
            <numerusform>Type at least %n character to search the keys; all keys are listed meanwhile.</numerusform>
            <numerusform>Type at least %n characters to search the keys; all keys are listed meanwhile.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::AuditPane</name>
    <message numerus="yes">
        <source>%Ln events</source>
        <translation>
            <numerusform>%Ln event</numerusform>
            <numerusform>%Ln events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n events</source>
        <translation>
            <numerusform>Copied %Ln event</numerusform>
            <numerusform>Copied %Ln events</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::BanDialog</name>
    <message numerus="yes">
        <source>Ban %n user(s)</source>
        <translation>
            <numerusform>Ban %Ln user</numerusform>
            <numerusform>Ban %Ln users</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::BulkActionDialog</name>
    <message numerus="yes">
        <source>%1 — %n user(s). Check the list, then run.</source>
        <translation>
            <numerusform>%1 — %Ln user. Check the list, then run.</numerusform>
            <numerusform>%1 — %Ln users. Check the list, then run.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::DeploymentSettingsDialog</name>
    <message numerus="yes">
        <source>Default: %n minute(s)</source>
        <translation>
            <numerusform>Default: %n minute</numerusform>
            <numerusform>Default: %n minutes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Default: %1 hours (%n day(s))</source>
        <translation>
            <numerusform>Default: %1 hours (%n day)</numerusform>
            <numerusform>Default: %1 hours (%n days)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Default: %n hour(s)</source>
        <translation>
            <numerusform>Default: %n hour</numerusform>
            <numerusform>Default: %n hours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Default: %n day(s)</source>
        <translation>
            <numerusform>Default: %n day</numerusform>
            <numerusform>Default: %n days</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::MainWindow</name>
    <message numerus="yes">
        <source>Retrying in %n second(s). What you entered is kept; the lists show what was last loaded.</source>
        <translation>
            <numerusform>Retrying in %n second. What you entered is kept; the lists show what was last loaded.</numerusform>
            <numerusform>Retrying in %n seconds. What you entered is kept; the lists show what was last loaded.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::MoveUserDialog</name>
    <message numerus="yes">
        <source>%1 of %2 seats taken (%3 users, %n pending invitation(s))</source>
        <translation>
            <numerusform>%1 of %2 seats taken (%3 users, %n pending invitation)</numerusform>
            <numerusform>%1 of %2 seats taken (%3 users, %n pending invitations)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationsPane</name>
    <message numerus="yes">
        <source>%n organization(s)</source>
        <translation>
            <numerusform>%Ln organization</numerusform>
            <numerusform>%Ln organizations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n organization(s)</source>
        <translation>
            <numerusform>%1 of %Ln organization</numerusform>
            <numerusform>%1 of %Ln organizations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Suspend %1? Nobody in it can sign in until it is reactivated, and its %n user(s) are signed out. Nothing is deleted.</source>
        <translation>
            <numerusform>Suspend %1? Nobody in it can sign in until it is reactivated, and its %Ln user is signed out. Nothing is deleted.</numerusform>
            <numerusform>Suspend %1? Nobody in it can sign in until it is reactivated, and its %Ln users are signed out. Nothing is deleted.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::RoleDetailsPanel</name>
    <message numerus="yes">
        <source>%n permission(s)</source>
        <translation>
            <numerusform>%Ln permission</numerusform>
            <numerusform>%Ln permissions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s)</source>
        <translation>
            <numerusform>Held b&amp;y %n user</numerusform>
            <numerusform>Held b&amp;y %n users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s) in %1</source>
        <translation>
            <numerusform>Held b&amp;y %n user in %1</numerusform>
            <numerusform>Held b&amp;y %n users in %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(the first %n shown)</source>
        <translation>
            <numerusform>(the first %n shown)</numerusform>
            <numerusform>(the first %n shown)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::RoleEditor</name>
    <message numerus="yes">
        <source>%n direct permission(s) checked</source>
        <translation>
            <numerusform>%Ln direct permission checked</numerusform>
            <numerusform>%Ln direct permissions checked</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::RoleListModel</name>
    <message numerus="yes">
        <source>%n direct permission(s); the effective set adds those of the lower built-in roles</source>
        <translation>
            <numerusform>%Ln direct permission; the effective set adds those of the lower built-in roles</numerusform>
            <numerusform>%Ln direct permissions; the effective set adds those of the lower built-in roles</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::RolesPane</name>
    <message numerus="yes">
        <source>%n role(s)</source>
        <translation>
            <numerusform>%Ln role</numerusform>
            <numerusform>%Ln roles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n role(s)</source>
        <translation>
            <numerusform>%1 of %Ln role</numerusform>
            <numerusform>%1 of %Ln roles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete and remove it from %n user(s)</source>
        <translation>
            <numerusform>Delete and remove it from %Ln user</numerusform>
            <numerusform>Delete and remove it from %Ln users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 is assigned to %n user(s).

Delete it and remove it from those %n user(s)? They lose its permissions at once.</source>
        <translation>
            <numerusform>%1 is assigned to %Ln user.

Delete it and remove it from that user? They lose its permissions at once.</numerusform>
            <numerusform>%1 is assigned to %Ln users.

Delete it and remove it from those %Ln users? They lose its permissions at once.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::SessionDetailsPanel</name>
    <message numerus="yes">
        <source>%n sessions selected. Delete revokes them all.</source>
        <translation>
            <numerusform>%Ln session selected. Delete revokes it.</numerusform>
            <numerusform>%Ln sessions selected. Delete revokes them all.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::SessionListModel</name>
    <message numerus="yes">
        <source>in %n min</source>
        <translation>
            <numerusform>in %Ln min</numerusform>
            <numerusform>in %Ln min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>%Ln min ago</numerusform>
            <numerusform>%Ln min ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n h</source>
        <translation>
            <numerusform>in %Ln h</numerusform>
            <numerusform>in %Ln h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>%Ln h ago</numerusform>
            <numerusform>%Ln h ago</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n days</source>
        <translation>
            <numerusform>in %Ln day</numerusform>
            <numerusform>in %Ln days</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n days ago</source>
        <translation>
            <numerusform>%Ln day ago</numerusform>
            <numerusform>%Ln days ago</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::SessionsPane</name>
    <message numerus="yes">
        <source>%Ln sessions</source>
        <translation>
            <numerusform>%Ln session</numerusform>
            <numerusform>%Ln sessions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Revoke %n sessions? Their users are signed out on those devices at once.</source>
        <translation>
            <numerusform>Revoke %Ln session? Its user is signed out on that device at once.</numerusform>
            <numerusform>Revoke %Ln sessions? Their users are signed out on those devices at once.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Revoked %n sessions</source>
        <translation>
            <numerusform>Revoked %Ln session</numerusform>
            <numerusform>Revoked %Ln sessions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Ended %n sessions of %1</source>
        <translation>
            <numerusform>Ended %Ln session of %1</numerusform>
            <numerusform>Ended %Ln sessions of %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n sessions</source>
        <translation>
            <numerusform>Copied %Ln session</numerusform>
            <numerusform>Copied %Ln sessions</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::UserDetailsPanel</name>
    <message numerus="yes">
        <source>%n users selected. Use the context menu (right-click or the Menu key) for bulk actions.</source>
        <translation>
            <numerusform>%Ln user selected. Use the context menu (right-click or the Menu key) for bulk actions.</numerusform>
            <numerusform>%Ln users selected. Use the context menu (right-click or the Menu key) for bulk actions.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::UserImportDialog</name>
    <message numerus="yes">
        <source>Checking %n row(s)…</source>
        <translation>
            <numerusform>Checking %n row…</numerusform>
            <numerusform>Checking %n rows…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Send %n invitation(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>Send %n invitation? Rows with errors or existing users are skipped.</numerusform>
            <numerusform>Send %n invitations? Rows with errors or existing users are skipped.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Create %n user(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>Create %n user? Rows with errors or existing users are skipped.</numerusform>
            <numerusform>Create %n users? Rows with errors or existing users are skipped.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Stopped: %n row(s) not imported.</source>
        <translation>
            <numerusform>Stopped: %n row not imported.</numerusform>
            <numerusform>Stopped: %n rows not imported.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::UsersPane</name>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%Ln user</numerusform>
            <numerusform>%Ln users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n row(s)</source>
        <translation>
            <numerusform>Copied %Ln row</numerusform>
            <numerusform>Copied %Ln rows</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>portcullis::WipeOutDialog</name>
    <message numerus="yes">
        <source>&lt;p&gt;&lt;b&gt;This deletes %1 for good&lt;/b&gt;, with everything in it:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;its %n user(s) and their role assignments,&lt;/li&gt;&lt;li&gt;its custom roles,&lt;/li&gt;&lt;li&gt;its API keys,&lt;/li&gt;&lt;li&gt;its sessions (everyone is signed out),&lt;/li&gt;&lt;li&gt;its invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The audit log stays: it cannot be changed, and it records this wipe-out. There is no undo.&lt;/p&gt;</source>
        <translation>
            <numerusform>&lt;p&gt;&lt;b&gt;This deletes %1 for good&lt;/b&gt;, with everything in it:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;its %Ln user and their role assignments,&lt;/li&gt;&lt;li&gt;its custom roles,&lt;/li&gt;&lt;li&gt;its API keys,&lt;/li&gt;&lt;li&gt;its sessions (everyone is signed out),&lt;/li&gt;&lt;li&gt;its invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The audit log stays: it cannot be changed, and it records this wipe-out. There is no undo.&lt;/p&gt;</numerusform>
            <numerusform>&lt;p&gt;&lt;b&gt;This deletes %1 for good&lt;/b&gt;, with everything in it:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;its %Ln users and their role assignments,&lt;/li&gt;&lt;li&gt;its custom roles,&lt;/li&gt;&lt;li&gt;its API keys,&lt;/li&gt;&lt;li&gt;its sessions (everyone is signed out),&lt;/li&gt;&lt;li&gt;its invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The audit log stays: it cannot be changed, and it records this wipe-out. There is no undo.&lt;/p&gt;</numerusform>
        </translation>
    </message>
</context>
</TS>
