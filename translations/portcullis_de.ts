<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>Portcullis::ApiKeys</name>
    <message>
        <source>Choose the user the key acts for.</source>
        <translation>Wählen Sie den Benutzer, für den der Schlüssel handelt.</translation>
    </message>
    <message>
        <source>%1 is deleted and cannot own an API key</source>
        <translation>%1 ist gelöscht und kann keinen API-Schlüssel besitzen</translation>
    </message>
    <message>
        <source>Give the key a name.</source>
        <translation>Geben Sie dem Schlüssel einen Namen.</translation>
    </message>
    <message>
        <source>A name has at most %1 characters.</source>
        <translation>Ein Name hat höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>The rate limit is between 1 and %1 requests per minute.</source>
        <translation>Das Ratenlimit liegt zwischen 1 und %1 Anfragen pro Minute.</translation>
    </message>
    <message>
        <source>%1 is neither an IP address nor a CIDR range such as 10.0.0.0/8.</source>
        <translation>%1 ist weder eine IP-Adresse noch ein CIDR-Bereich wie 10.0.0.0/8.</translation>
    </message>
    <message>
        <source>The expiry date must be in the future.</source>
        <translation>Das Ablaufdatum muss in der Zukunft liegen.</translation>
    </message>
    <message>
        <source>The API key cannot be created as entered.</source>
        <translation>Der API-Schlüssel kann so nicht erstellt werden.</translation>
    </message>
    <message>
        <source>The system could not generate a secure key</source>
        <translation>Das System konnte keinen sicheren Schlüssel erzeugen</translation>
    </message>
    <message>
        <source>Creating the API key</source>
        <translation>API-Schlüssel erstellen</translation>
    </message>
    <message>
        <source>Counting API keys</source>
        <translation>API-Schlüssel zählen</translation>
    </message>
    <message>
        <source>Listing API keys</source>
        <translation>API-Schlüssel auflisten</translation>
    </message>
    <message>
        <source>Loading the API key</source>
        <translation>API-Schlüssel laden</translation>
    </message>
    <message>
        <source>Revoking the API key</source>
        <translation>API-Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>Malformed API key</source>
        <translation>Ungültig aufgebauter API-Schlüssel</translation>
    </message>
    <message>
        <source>Checking the API key</source>
        <translation>API-Schlüssel prüfen</translation>
    </message>
    <message>
        <source>Unknown API key</source>
        <translation>Unbekannter API-Schlüssel</translation>
    </message>
    <message>
        <source>API key not allowed from %1</source>
        <translation>API-Schlüssel von %1 aus nicht erlaubt</translation>
    </message>
    <message>
        <source>an unknown address</source>
        <translation>einer unbekannten Adresse</translation>
    </message>
    <message>
        <source>Recording the use of the API key</source>
        <translation>Nutzung des API-Schlüssels erfassen</translation>
    </message>
    <message>
        <source>API keys cannot be created while impersonating a user; a key would outlive the impersonation</source>
        <translation>API-Schlüssel können nicht angelegt werden, während Sie einen Benutzer imitieren; ein Schlüssel würde die Imitation überdauern</translation>
    </message>
    <message>
        <source>API keys cannot be changed or rotated while impersonating a user</source>
        <translation>API-Schlüssel können während einer Identitätsübernahme nicht geändert oder rotiert werden</translation>
    </message>
    <message>
        <source>The API key %1 is revoked and can no longer be changed</source>
        <translation>Der API-Schlüssel %1 ist widerrufen und kann nicht mehr geändert werden</translation>
    </message>
    <message>
        <source>The API key cannot be changed as entered.</source>
        <translation>Der API-Schlüssel kann so nicht geändert werden.</translation>
    </message>
    <message>
        <source>Changing the API key</source>
        <translation>Ändern des API-Schlüssels</translation>
    </message>
    <message>
        <source>The API key %1 was revoked meanwhile</source>
        <translation>Der API-Schlüssel %1 wurde inzwischen widerrufen</translation>
    </message>
    <message>
        <source>The grace period is none, 1 hour, 24 hours or 7 days.</source>
        <translation>Die Übergangsfrist ist keine, 1 Stunde, 24 Stunden oder 7 Tage.</translation>
    </message>
    <message>
        <source>Rotating the API key</source>
        <translation>Rotieren des API-Schlüssels</translation>
    </message>
    <message>
        <source>The API key %1 was changed at the same time; reload it and try again</source>
        <translation>Der API-Schlüssel %1 wurde gleichzeitig geändert; laden Sie ihn neu und versuchen Sie es noch einmal</translation>
    </message>
    <message>
        <source>%1 (the secret before the last rotation)</source>
        <translation>%1 (das Geheimnis vor der letzten Rotation)</translation>
    </message>
    <message>
        <source>This API key was rotated and its grace period has ended; use the new secret</source>
        <translation>Dieser API-Schlüssel wurde rotiert und seine Übergangsfrist ist abgelaufen; verwenden Sie das neue Geheimnis</translation>
    </message>
</context>
<context>
    <name>Portcullis::Audit</name>
    <message>
        <source>Invalid cursor</source>
        <translation>Ungültiger Cursor</translation>
    </message>
    <message>
        <source>Outcome is success or denied</source>
        <translation>Das Ergebnis ist „success“ oder „denied“</translation>
    </message>
    <message>
        <source>The start must be before the end</source>
        <translation>Der Anfang muss vor dem Ende liegen</translation>
    </message>
    <message>
        <source>Reading the audit log</source>
        <translation>Audit-Protokoll lesen</translation>
    </message>
    <message>
        <source>Export cancelled after %1 events</source>
        <translation>Export nach %1 Ereignissen abgebrochen</translation>
    </message>
    <message>
        <source>Exporting the audit log</source>
        <translation>Audit-Protokoll exportieren</translation>
    </message>
    <message>
        <source>Could not write the export: %1</source>
        <translation>Der Export konnte nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>unexpected id (expected %1)</source>
        <translation>unerwartete ID (erwartet: %1)</translation>
    </message>
    <message>
        <source>Only super admins can purge the audit log</source>
        <translation>Nur Super-Admins können das Audit-Protokoll bereinigen</translation>
    </message>
    <message>
        <source>Choose a date in the past</source>
        <translation>Wählen Sie ein Datum in der Vergangenheit</translation>
    </message>
    <message>
        <source>Finding the purge point</source>
        <translation>Bereinigungspunkt suchen</translation>
    </message>
    <message>
        <source>Counting events to purge</source>
        <translation>Zu bereinigende Ereignisse zählen</translation>
    </message>
    <message>
        <source>Recording the purge</source>
        <translation>Bereinigung erfassen</translation>
    </message>
    <message>
        <source>Purging the audit log</source>
        <translation>Audit-Protokoll bereinigen</translation>
    </message>
    <message>
        <source>Counting activity</source>
        <translation>Aktivität zählen</translation>
    </message>
    <message>
        <source>Reading the audit purges</source>
        <translation>Lesen der Audit-Bereinigungen</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) is not authenticated by the audit key</source>
        <translation>gefälschte Bereinigung: Bereinigungseintrag #%1 (Ereignisse vor %2) ist nicht mit dem Audit-Schlüssel authentifiziert</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) carries no MAC, but the key was in use from event %3</source>
        <translation>gefälschte Bereinigung: Bereinigungseintrag #%1 (Ereignisse vor %2) trägt keinen MAC, aber der Schlüssel war ab Ereignis %3 in Gebrauch</translation>
    </message>
    <message>
        <source>missing range: events %1 to %2 are missing (deleted without an authentic purge)</source>
        <translation>fehlender Bereich: Ereignisse %1 bis %2 fehlen (ohne authentische Bereinigung gelöscht)</translation>
    </message>
    <message>
        <source>edited event: the previous-hash link does not match the event before it (an event was altered)</source>
        <translation>geändertes Ereignis: die Verknüpfung zum vorherigen Hash passt nicht zum Ereignis davor (ein Ereignis wurde verändert)</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) carries no MAC, but the events after it were written with the key</source>
        <translation>gefälschte Bereinigung: Bereinigungseintrag #%1 (Ereignisse vor %2) trägt keinen MAC, aber die Ereignisse danach wurden mit dem Schlüssel geschrieben</translation>
    </message>
    <message>
        <source>edited event: rewritten without the key (an unkeyed link where checkpoint %1 saw the key in use from event %2; the event was altered)</source>
        <translation>geändertes Ereignis: ohne den Schlüssel neu geschrieben (eine ungeschlüsselte Verknüpfung, wo Checkpoint %1 den Schlüssel ab Ereignis %2 in Gebrauch sah; das Ereignis wurde verändert)</translation>
    </message>
    <message>
        <source>edited event: the content does not match its keyed hash (the event was altered)</source>
        <translation>geändertes Ereignis: der Inhalt passt nicht zu seinem geschlüsselten Hash (das Ereignis wurde verändert)</translation>
    </message>
    <message>
        <source>edited event: it does not match checkpoint %1 (the event was altered, or the tail was cut off and written anew)</source>
        <translation>geändertes Ereignis: es passt nicht zu Checkpoint %1 (das Ereignis wurde verändert, oder das Ende wurde abgeschnitten und neu geschrieben)</translation>
    </message>
    <message>
        <source>truncated tail since checkpoint %1: events %2 to %3 are missing (the checkpoint of %4 recorded event %3 as the newest)</source>
        <translation>abgeschnittenes Ende seit Checkpoint %1: Ereignisse %2 bis %3 fehlen (der Checkpoint vom %4 hat Ereignis %3 als das neueste festgehalten)</translation>
    </message>
    <message>
        <source>Reading the audit chain</source>
        <translation>Lesen der Audit-Kette</translation>
    </message>
    <message>
        <source>The audit log no longer holds event %1 as checkpoint %2 recorded it (run verify-audit); the checkpoint is kept as it is</source>
        <translation>Das Audit-Protokoll enthält Ereignis %1 nicht mehr so, wie Checkpoint %2 es festgehalten hat (verify-audit ausführen); der Checkpoint bleibt unverändert</translation>
    </message>
    <message>
        <source>Verifying the audit chain covers every organization of the deployment: only super admins can run it</source>
        <translation>Die Prüfung der Audit-Kette umfasst alle Organisationen der Installation: nur Super-Admins können sie ausführen</translation>
    </message>
    <message>
        <source>An audit verification is already running for this deployment; try again when it has finished</source>
        <translation>Für diese Installation läuft bereits eine Prüfung des Audit-Protokolls; versuchen Sie es erneut, wenn sie abgeschlossen ist</translation>
    </message>
    <message>
        <source>The audit verification was cancelled</source>
        <translation>Die Prüfung des Audit-Protokolls wurde abgebrochen</translation>
    </message>
    <message>
        <source>Invalid event id</source>
        <translation>Ungültige Ereignis-ID</translation>
    </message>
    <message>
        <source>The offset cannot be negative</source>
        <translation>Der Versatz darf nicht negativ sein</translation>
    </message>
</context>
<context>
    <name>Portcullis::AuditKey</name>
    <message>
        <source>The audit key %1 does not exist</source>
        <translation>Der Audit-Schlüssel %1 existiert nicht</translation>
    </message>
    <message>
        <source>The audit key %1 may be read by other users; restrict it with &quot;chmod 600 %1&quot;</source>
        <translation>Der Audit-Schlüssel %1 ist für andere Benutzer lesbar; beschränken Sie ihn mit „chmod 600 %1“</translation>
    </message>
    <message>
        <source>Cannot read the audit key %1: %2</source>
        <translation>Der Audit-Schlüssel %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The audit key %1 holds %2 bytes; it needs at least %3</source>
        <translation>Der Audit-Schlüssel %1 enthält %2 Bytes; er braucht mindestens %3</translation>
    </message>
    <message>
        <source>The folder of the audit key %1 does not exist</source>
        <translation>Der Ordner des Audit-Schlüssels %1 existiert nicht</translation>
    </message>
    <message>
        <source>The system could not generate a secure audit key</source>
        <translation>Das System konnte keinen sicheren Audit-Schlüssel erzeugen</translation>
    </message>
    <message>
        <source>Cannot create the audit key %1: %2</source>
        <translation>Der Audit-Schlüssel %1 kann nicht angelegt werden: %2</translation>
    </message>
    <message>
        <source>Cannot write the audit key %1</source>
        <translation>Der Audit-Schlüssel %1 kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>Cannot read the checkpoint file %1: %2</source>
        <translation>Die Checkpoint-Datei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The checkpoint file %1 was not written with this audit key</source>
        <translation>Die Checkpoint-Datei %1 wurde nicht mit diesem Audit-Schlüssel geschrieben</translation>
    </message>
    <message>
        <source>The checkpoint file %1 is not authentic (its MAC does not verify)</source>
        <translation>Die Checkpoint-Datei %1 ist nicht authentisch (ihr MAC lässt sich nicht bestätigen)</translation>
    </message>
    <message>
        <source>Cannot write the checkpoint file %1: %2</source>
        <translation>Die Checkpoint-Datei %1 kann nicht geschrieben werden: %2</translation>
    </message>
</context>
<context>
    <name>Portcullis::Auth</name>
    <message>
        <source>Wrong email or password</source>
        <translation>Falsche E-Mail-Adresse oder falsches Passwort</translation>
    </message>
    <message>
        <source>Enter your email and password</source>
        <translation>Geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>Erforderlich</translation>
    </message>
    <message>
        <source>Recording the sign-in</source>
        <translation>Anmeldung erfassen</translation>
    </message>
    <message>
        <source>Opening the session</source>
        <translation>Sitzung öffnen</translation>
    </message>
    <message>
        <source>Ending the session</source>
        <translation>Sitzung beenden</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Konto wird geprüft</translation>
    </message>
</context>
<context>
    <name>Portcullis::BetterAuth</name>
    <message>
        <source>Your session has ended; sign in again</source>
        <translation>Ihre Sitzung ist beendet; melden Sie sich erneut an</translation>
    </message>
    <message>
        <source>The server sent an answer that is not valid JSON</source>
        <translation>Der Server hat eine Antwort gesendet, die kein gültiges JSON ist</translation>
    </message>
    <message>
        <source>better-auth at %1</source>
        <translation>better-auth unter %1</translation>
    </message>
    <message>
        <source>This server has no role catalog: roles are names without levels.</source>
        <translation>Dieser Server hat keinen Rollenkatalog: Rollen sind Namen ohne Stufen.</translation>
    </message>
    <message>
        <source>This server has no permission catalog.</source>
        <translation>Dieser Server hat keinen Berechtigungskatalog.</translation>
    </message>
    <message>
        <source>This server keeps no audit log.</source>
        <translation>Dieser Server führt kein Audit-Protokoll.</translation>
    </message>
    <message>
        <source>This server keeps no statistics; the users list shows the total.</source>
        <translation>Dieser Server führt keine Statistiken; die Benutzerliste zeigt die Gesamtzahl.</translation>
    </message>
    <message>
        <source>This server lists sessions only per user: choose a user to see their sessions.</source>
        <translation>Dieser Server listet Sitzungen nur pro Benutzer auf: Wählen Sie einen Benutzer, um seine Sitzungen zu sehen.</translation>
    </message>
    <message>
        <source>This server cannot suspend users; ban them instead.</source>
        <translation>Dieser Server kann Benutzer nicht deaktivieren; sperren Sie sie stattdessen.</translation>
    </message>
    <message>
        <source>Users of this server belong to no single organization.</source>
        <translation>Die Benutzer dieses Servers gehören zu keiner einzelnen Organisation.</translation>
    </message>
    <message>
        <source>This server cannot import or export users.</source>
        <translation>Dieser Server kann Benutzer weder importieren noch exportieren.</translation>
    </message>
    <message>
        <source>This server&apos;s settings live in its code, not in the console.</source>
        <translation>Die Einstellungen dieses Servers stehen in seinem Code, nicht in der Konsole.</translation>
    </message>
    <message>
        <source>This server runs no maintenance from the console.</source>
        <translation>Dieser Server führt keine Wartung aus der Konsole aus.</translation>
    </message>
    <message>
        <source>This server hands out no password reset codes to administrators.</source>
        <translation>Dieser Server gibt Administratoren keine Codes zum Zurücksetzen von Passwörtern.</translation>
    </message>
    <message>
        <source>This server cannot rotate API keys or change their scopes.</source>
        <translation>Dieser Server kann API-Schlüssel weder rotieren noch ihre Scopes ändern.</translation>
    </message>
    <message>
        <source>This server&apos;s organizations have no plans, seat limits or suspension.</source>
        <translation>Die Organisationen dieses Servers haben keine Tarife, Platzlimits oder Deaktivierung.</translation>
    </message>
    <message>
        <source>Users of this server have no username, only an email address.</source>
        <translation>Benutzer dieses Servers haben keinen Benutzernamen, nur eine E-Mail-Adresse.</translation>
    </message>
    <message>
        <source>On this server administrators manage only their own API keys.</source>
        <translation>Auf diesem Server verwalten Administratoren nur ihre eigenen API-Schlüssel.</translation>
    </message>
    <message>
        <source>No network access</source>
        <translation>Kein Netzwerkzugang</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1: %2</source>
        <translation>Der Server unter %1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>The server at %1 cannot serve requests right now</source>
        <translation>Der Server unter %1 kann gerade keine Anfragen bearbeiten</translation>
    </message>
    <message>
        <source>Wrong email or password</source>
        <translation>Falsche E-Mail-Adresse oder falsches Passwort</translation>
    </message>
    <message>
        <source>This account is banned</source>
        <translation>Dieses Konto ist gebannt</translation>
    </message>
    <message>
        <source>A user with this email address already exists</source>
        <translation>Es gibt bereits einen Benutzer mit dieser E-Mail-Adresse</translation>
    </message>
    <message>
        <source>The user no longer exists on the server</source>
        <translation>Der Benutzer existiert auf dem Server nicht mehr</translation>
    </message>
    <message>
        <source>This is not a valid email address</source>
        <translation>Das ist keine gültige E-Mail-Adresse</translation>
    </message>
    <message>
        <source>The password is too short</source>
        <translation>Das Passwort ist zu kurz</translation>
    </message>
    <message>
        <source>The password is too long</source>
        <translation>Das Passwort ist zu lang</translation>
    </message>
    <message>
        <source>You cannot do this to your own account</source>
        <translation>Das können Sie mit Ihrem eigenen Konto nicht tun</translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1)</source>
        <translation>Der Server hat die Anfrage abgelehnt (HTTP %1)</translation>
    </message>
    <message>
        <source>The server refused the request: %1</source>
        <translation>Der Server hat die Anfrage abgelehnt: %1</translation>
    </message>
    <message>
        <source>The server does not know this request or record</source>
        <translation>Der Server kennt diese Anfrage oder diesen Datensatz nicht</translation>
    </message>
    <message>
        <source>Too many requests: wait %1 seconds and try again.</source>
        <translation>Zu viele Anfragen: Warten Sie %1 Sekunden und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The server failed (HTTP %1): %2</source>
        <translation>Der Server ist fehlgeschlagen (HTTP %1): %2</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>kein Grund angegeben</translation>
    </message>
    <message>
        <source>The server signed in without a bearer token: is better-auth&apos;s bearer plugin enabled?</source>
        <translation>Der Server hat ohne Bearer-Token angemeldet: Ist das Bearer-Plugin von better-auth aktiviert?</translation>
    </message>
    <message>
        <source>%1 is not an administrator of this better-auth server: the console needs an account with the admin role</source>
        <translation>%1 ist kein Administrator dieses better-auth-Servers: Die Konsole braucht ein Konto mit der Rolle admin</translation>
    </message>
    <message>
        <source>This server filters users by one thing at a time: choose a role or a status, not both</source>
        <translation>Dieser Server filtert Benutzer nur nach einer Sache zugleich: Wählen Sie eine Rolle oder einen Status, nicht beides</translation>
    </message>
    <message>
        <source>No such organization</source>
        <translation>Keine solche Organisation</translation>
    </message>
    <message>
        <source>Give a reason for the ban</source>
        <translation>Geben Sie einen Grund für die Sperre an</translation>
    </message>
    <message>
        <source>The ban must end in the future</source>
        <translation>Die Sperre muss in der Zukunft enden</translation>
    </message>
    <message>
        <source>%1 is not banned</source>
        <translation>%1 ist nicht gesperrt</translation>
    </message>
    <message>
        <source>Enter your current password</source>
        <translation>Geben Sie Ihr aktuelles Passwort ein</translation>
    </message>
    <message>
        <source>A user keeps at least one role</source>
        <translation>Ein Benutzer behält mindestens eine Rolle</translation>
    </message>
    <message>
        <source>List the user&apos;s sessions again: this one is not known</source>
        <translation>Laden Sie die Sitzungen des Benutzers neu: Diese ist nicht bekannt</translation>
    </message>
    <message>
        <source>This is the console&apos;s own session: sign out instead</source>
        <translation>Das ist die eigene Sitzung der Konsole: Melden Sie sich stattdessen ab</translation>
    </message>
    <message>
        <source>This would end the console&apos;s own session too: sign out instead</source>
        <translation>Das würde auch die eigene Sitzung der Konsole beenden: Melden Sie sich stattdessen ab</translation>
    </message>
    <message>
        <source>The key must expire in the future</source>
        <translation>Der Schlüssel muss in der Zukunft ablaufen</translation>
    </message>
    <message>
        <source>No such API key</source>
        <translation>Kein solcher API-Schlüssel</translation>
    </message>
    <message>
        <source>Give the organization a name</source>
        <translation>Geben Sie der Organisation einen Namen</translation>
    </message>
    <message>
        <source>No such invitation</source>
        <translation>Keine solche Einladung</translation>
    </message>
    <message>
        <source>The current password is not right</source>
        <translation>Das aktuelle Passwort stimmt nicht</translation>
    </message>
    <message>
        <source>This server does not record when users last signed in.</source>
        <translation>Dieser Server hält nicht fest, wann sich Benutzer zuletzt angemeldet haben.</translation>
    </message>
    <message>
        <source>This server ends every impersonation after one hour.</source>
        <translation>Dieser Server beendet jede Identitätsübernahme nach einer Stunde.</translation>
    </message>
    <message>
        <source>This server sets API-key rate limits in its own configuration; keys have no address allow-list.</source>
        <translation>Dieser Server legt die Ratenbegrenzung von API-Schlüsseln in seiner eigenen Konfiguration fest; Schlüssel haben keine Adress-Positivliste.</translation>
    </message>
    <message>
        <source>This server decides how long invitations stay valid (48 hours unless configured otherwise).</source>
        <translation>Dieser Server bestimmt, wie lange Einladungen gültig bleiben (48 Stunden, sofern nicht anders konfiguriert).</translation>
    </message>
</context>
<context>
    <name>Portcullis::Database</name>
    <message>
        <source>No database path or URL given</source>
        <translation>Kein Datenbankpfad und keine URL angegeben</translation>
    </message>
    <message>
        <source>Not a valid PostgreSQL URL (postgresql://user:password@host:port/database)</source>
        <translation>Keine gültige PostgreSQL-URL (postgresql://user:password@host:port/database)</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database</source>
        <translation>Die PostgreSQL-URL nennt keine Datenbank</translation>
    </message>
    <message>
        <source>The Qt SQLite driver is not installed (libqt6sql6-sqlite)</source>
        <translation>Der Qt-SQLite-Treiber ist nicht installiert (libqt6sql6-sqlite)</translation>
    </message>
    <message>
        <source>The database file %1 does not exist</source>
        <translation>Die Datenbankdatei %1 existiert nicht</translation>
    </message>
    <message>
        <source>The folder %1 does not exist</source>
        <translation>Der Ordner %1 existiert nicht</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>%1 kann nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>Cannot use %1: %2</source>
        <translation>%1 kann nicht verwendet werden: %2</translation>
    </message>
    <message>
        <source>The Qt PostgreSQL driver is not installed (libqt6sql6-psql)</source>
        <translation>Der Qt-PostgreSQL-Treiber ist nicht installiert (libqt6sql6-psql)</translation>
    </message>
    <message>
        <source>Cannot connect to %1: %2</source>
        <translation>Keine Verbindung zu %1 möglich: %2</translation>
    </message>
    <message>
        <source>Migration %1 is missing from the build</source>
        <translation>Migration %1 fehlt im Build</translation>
    </message>
    <message>
        <source>Cannot start migration %1: %2</source>
        <translation>Migration %1 kann nicht gestartet werden: %2</translation>
    </message>
    <message>
        <source>Migration %1 failed: %2</source>
        <translation>Migration %1 ist fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Migration %1 could not be recorded: %2</source>
        <translation>Migration %1 konnte nicht erfasst werden: %2</translation>
    </message>
    <message>
        <source>This database has schema version %1, newer than this version of Portcullis knows (%2): upgrade Portcullis before using it</source>
        <translation>Diese Datenbank hat die Schemaversion %1, neuer als diese Portcullis-Version kennt (%2): aktualisieren Sie Portcullis, bevor Sie sie verwenden</translation>
    </message>
    <message>
        <source>Cannot create %1: %2</source>
        <translation>%1 kann nicht angelegt werden: %2</translation>
    </message>
    <message>
        <source>Migration %1 needs the database owner: run portcullis-server init --db with the owner&apos;s URL to upgrade the schema, then start again (%2)</source>
        <translation>Migration %1 braucht den Eigentümer der Datenbank: Führen Sie portcullis-server init --db mit der URL des Eigentümers aus, um das Schema zu aktualisieren, und starten Sie dann erneut (%2)</translation>
    </message>
    <message>
        <source>Migration %1 needs the PostgreSQL extension named in &quot;%2&quot;: install the server&apos;s contrib modules (Debian: postgresql-contrib) and run portcullis-server init --db with the database owner&apos;s URL, or have a superuser run that statement in this database first (%3)</source>
        <translation>Migration %1 benötigt die PostgreSQL-Erweiterung aus „%2“: Installieren Sie die Contrib-Module des Servers (Debian: postgresql-contrib) und führen Sie portcullis-server init --db mit der URL des Datenbankeigentümers aus, oder lassen Sie einen Superuser diese Anweisung zuerst in dieser Datenbank ausführen (%3)</translation>
    </message>
</context>
<context>
    <name>Portcullis::Organizations</name>
    <message>
        <source>Counting the users of the organization</source>
        <translation>Benutzer der Organisation zählen</translation>
    </message>
    <message>
        <source>Enter the organization&apos;s name.</source>
        <translation>Geben Sie den Namen der Organisation ein.</translation>
    </message>
    <message>
        <source>A name has at most %1 characters.</source>
        <translation>Ein Name hat höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>A plan name has between 1 and %1 characters.</source>
        <translation>Ein Tarifname hat zwischen 1 und %1 Zeichen.</translation>
    </message>
    <message>
        <source>An organization allows at least 1 user.</source>
        <translation>Eine Organisation erlaubt mindestens 1 Benutzer.</translation>
    </message>
    <message>
        <source>Only super admins can create organizations</source>
        <translation>Nur Super-Admins können Organisationen erstellen</translation>
    </message>
    <message>
        <source>The organization cannot be created as entered.</source>
        <translation>Die Organisation kann so nicht erstellt werden.</translation>
    </message>
    <message>
        <source>Checking the slug</source>
        <translation>Slug prüfen</translation>
    </message>
    <message>
        <source>An organization with the slug %1 already exists</source>
        <translation>Eine Organisation mit dem Slug %1 existiert bereits</translation>
    </message>
    <message>
        <source>Creating the organization</source>
        <translation>Organisation erstellen</translation>
    </message>
    <message>
        <source>Listing organizations</source>
        <translation>Organisationen auflisten</translation>
    </message>
    <message>
        <source>Only super admins can change the plan, the user limit or the features</source>
        <translation>Nur Super-Admins können Tarif, Benutzerlimit oder Funktionen ändern</translation>
    </message>
    <message>
        <source>The organization cannot be saved as entered.</source>
        <translation>Die Organisation kann so nicht gespeichert werden.</translation>
    </message>
    <message>
        <source>Saving the organization</source>
        <translation>Organisation speichern</translation>
    </message>
    <message>
        <source>No organization with id %1</source>
        <translation>Keine Organisation mit der ID %1</translation>
    </message>
    <message>
        <source>Only super admins can suspend or reactivate organizations</source>
        <translation>Nur Super-Admins können Organisationen deaktivieren oder reaktivieren</translation>
    </message>
    <message>
        <source>You cannot suspend your own organization</source>
        <translation>Sie können Ihre eigene Organisation nicht deaktivieren</translation>
    </message>
    <message>
        <source>Reactivating the organization</source>
        <translation>Organisation reaktivieren</translation>
    </message>
    <message>
        <source>Suspending the organization</source>
        <translation>Organisation deaktivieren</translation>
    </message>
    <message>
        <source>Only super admins can wipe out organizations</source>
        <translation>Nur Super-Admins können Organisationen vollständig löschen</translation>
    </message>
    <message>
        <source>You cannot wipe out your own organization</source>
        <translation>Sie können Ihre eigene Organisation nicht vollständig löschen</translation>
    </message>
    <message>
        <source>Type the slug %1 to confirm that everything in %2 is deleted for good.</source>
        <translation>Geben Sie den Slug %1 ein, um zu bestätigen, dass alles in %2 endgültig gelöscht wird.</translation>
    </message>
    <message>
        <source>Counting the data of the organization</source>
        <translation>Daten der Organisation zählen</translation>
    </message>
    <message>
        <source>Wiping out the organization</source>
        <translation>Organisation vollständig löschen</translation>
    </message>
    <message>
        <source>An invitation is valid for 1 to %1 days.</source>
        <translation>Eine Einladung gilt 1 bis %1 Tage.</translation>
    </message>
    <message>
        <source>%1 is suspended; reactivate it before inviting</source>
        <translation>%1 ist deaktiviert; reaktivieren Sie die Organisation, bevor Sie einladen</translation>
    </message>
    <message>
        <source>No role %1 in %2</source>
        <translation>Keine Rolle %1 in %2</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Das System konnte kein sicheres Token erzeugen</translation>
    </message>
    <message>
        <source>Checking the email address</source>
        <translation>E-Mail-Adresse prüfen</translation>
    </message>
    <message>
        <source>A user with the email address %1 already exists</source>
        <translation>Ein Benutzer mit der E-Mail-Adresse %1 existiert bereits</translation>
    </message>
    <message>
        <source>Checking the pending invitations</source>
        <translation>Ausstehende Einladungen prüfen</translation>
    </message>
    <message>
        <source>%1 already has a pending invitation; revoke it to send a new one</source>
        <translation>%1 hat bereits eine ausstehende Einladung; widerrufen Sie sie, um eine neue zu senden</translation>
    </message>
    <message>
        <source>Creating the invitation</source>
        <translation>Einladung erstellen</translation>
    </message>
    <message>
        <source>Listing invitations</source>
        <translation>Einladungen auflisten</translation>
    </message>
    <message>
        <source>Loading the invitation</source>
        <translation>Einladung laden</translation>
    </message>
    <message>
        <source>The invitation for %1 was already accepted</source>
        <translation>Die Einladung für %1 wurde bereits angenommen</translation>
    </message>
    <message>
        <source>Revoking the invitation</source>
        <translation>Einladung widerrufen</translation>
    </message>
    <message>
        <source>The invitation for %1 is no longer pending</source>
        <translation>Die Einladung für %1 steht nicht mehr aus</translation>
    </message>
    <message>
        <source>This invitation link is not valid</source>
        <translation>Dieser Einladungslink ist ungültig</translation>
    </message>
    <message>
        <source>Looking up the invitation</source>
        <translation>Einladung nachschlagen</translation>
    </message>
    <message>
        <source>This invitation was already used; sign in instead</source>
        <translation>Diese Einladung wurde bereits verwendet; melden Sie sich stattdessen an</translation>
    </message>
    <message>
        <source>This invitation was revoked; ask for a new one</source>
        <translation>Diese Einladung wurde widerrufen; bitten Sie um eine neue</translation>
    </message>
    <message>
        <source>This invitation has expired; ask for a new one</source>
        <translation>Diese Einladung ist abgelaufen; bitten Sie um eine neue</translation>
    </message>
    <message>
        <source>A full name has at most %1 characters.</source>
        <translation>Ein vollständiger Name hat höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>The account cannot be created as entered.</source>
        <translation>Das Konto kann so nicht erstellt werden.</translation>
    </message>
    <message>
        <source>%1 is suspended; the invitation cannot be used now</source>
        <translation>%1 ist deaktiviert; die Einladung kann jetzt nicht verwendet werden</translation>
    </message>
    <message>
        <source>The role %1 of this invitation no longer exists; ask for a new invitation</source>
        <translation>Die Rolle %1 dieser Einladung existiert nicht mehr; bitten Sie um eine neue Einladung</translation>
    </message>
    <message>
        <source>The password could not be hashed; try again</source>
        <translation>Das Passwort konnte nicht gehasht werden; versuchen Sie es erneut</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Konto prüfen</translation>
    </message>
    <message>
        <source>An account with the email address %1 already exists</source>
        <translation>Ein Konto mit der E-Mail-Adresse %1 existiert bereits</translation>
    </message>
    <message>
        <source>The username %1 is taken; choose another</source>
        <translation>Der Benutzername %1 ist vergeben; wählen Sie einen anderen</translation>
    </message>
    <message>
        <source>Creating the account</source>
        <translation>Konto erstellen</translation>
    </message>
    <message>
        <source>Giving the account its role</source>
        <translation>Dem Konto seine Rolle zuweisen</translation>
    </message>
    <message>
        <source>Marking the invitation as used</source>
        <translation>Einladung als verwendet markieren</translation>
    </message>
</context>
<context>
    <name>Portcullis::Policy</name>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>Missing permission %1</source>
        <translation>Fehlende Berechtigung %1</translation>
    </message>
    <message>
        <source>Only super admins can change global objects</source>
        <translation>Nur Super-Admins können globale Objekte ändern</translation>
    </message>
    <message>
        <source>Only super admins can act outside their organization</source>
        <translation>Nur Super-Admins können außerhalb ihrer Organisation handeln</translation>
    </message>
    <message>
        <source>You cannot do this to your own account</source>
        <translation>Das können Sie mit Ihrem eigenen Konto nicht tun</translation>
    </message>
    <message>
        <source>Your level (%1) must be above the level of %2 (%3)</source>
        <translation>Ihre Stufe (%1) muss über der Stufe von %2 (%3) liegen</translation>
    </message>
    <message>
        <source>this user</source>
        <translation>diesem Benutzer</translation>
    </message>
    <message>
        <source>Role belongs to another organization</source>
        <translation>Die Rolle gehört zu einer anderen Organisation</translation>
    </message>
    <message>
        <source>%1 (level %2) cannot assign %3 (level %4)</source>
        <translation>Für %1 (Stufe %2) ist %3 (Stufe %4) nicht zuweisbar</translation>
    </message>
    <message>
        <source>Nobody can raise their own privileges (%1 is level %2, yours is %3)</source>
        <translation>Niemand kann die eigenen Rechte erhöhen (%1 hat Stufe %2, Ihre ist %3)</translation>
    </message>
    <message>
        <source>Nobody can raise their own privileges (%1 brings %2)</source>
        <translation>Niemand kann die eigenen Rechte erhöhen (%1 bringt %2 mit)</translation>
    </message>
    <message>
        <source>%1 (level %2) cannot change the roles of a user at level %3</source>
        <translation>Für %1 (Stufe %2) sind die Rollen eines Benutzers der Stufe %3 nicht änderbar</translation>
    </message>
    <message>
        <source>API keys cannot impersonate users</source>
        <translation>API-Schlüssel können keine Identität übernehmen</translation>
    </message>
    <message>
        <source>Only super admins can impersonate users</source>
        <translation>Nur Super-Admins können die Identität von Benutzern übernehmen</translation>
    </message>
    <message>
        <source>You cannot impersonate yourself</source>
        <translation>Sie können nicht Ihre eigene Identität übernehmen</translation>
    </message>
    <message>
        <source>Super admins cannot be impersonated</source>
        <translation>Die Identität von Super-Admins kann nicht übernommen werden</translation>
    </message>
    <message>
        <source>Built-in roles cannot be changed</source>
        <translation>Integrierte Rollen können nicht geändert werden</translation>
    </message>
    <message>
        <source>The role&apos;s level (%1) must be below your level (%2)</source>
        <translation>Die Stufe der Rolle (%1) muss unter Ihrer Stufe (%2) liegen</translation>
    </message>
    <message>
        <source>Only super admins can change global roles</source>
        <translation>Nur Super-Admins können globale Rollen ändern</translation>
    </message>
    <message>
        <source>You cannot give a role the permission %1, which you do not hold</source>
        <translation>Sie können einer Rolle die Berechtigung %1 nicht geben, da Sie sie selbst nicht haben</translation>
    </message>
    <message>
        <source>Use at least %1 characters.</source>
        <translation>Verwenden Sie mindestens %1 Zeichen.</translation>
    </message>
    <message>
        <source>Use at most %1 characters.</source>
        <translation>Verwenden Sie höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>Add an upper-case letter.</source>
        <translation>Fügen Sie einen Großbuchstaben hinzu.</translation>
    </message>
    <message>
        <source>Add a lower-case letter.</source>
        <translation>Fügen Sie einen Kleinbuchstaben hinzu.</translation>
    </message>
    <message>
        <source>Add a digit.</source>
        <translation>Fügen Sie eine Ziffer hinzu.</translation>
    </message>
    <message>
        <source>Add a special character (such as ! or #).</source>
        <translation>Fügen Sie ein Sonderzeichen hinzu (etwa ! oder #).</translation>
    </message>
    <message>
        <source>Enter an email address.</source>
        <translation>Geben Sie eine E-Mail-Adresse ein.</translation>
    </message>
    <message>
        <source>An email address has at most %1 characters.</source>
        <translation>Eine E-Mail-Adresse hat höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>Enter an email address like name@example.com.</source>
        <translation>Geben Sie eine E-Mail-Adresse wie name@example.com ein.</translation>
    </message>
    <message>
        <source>A username has between 3 and %1 characters.</source>
        <translation>Ein Benutzername hat zwischen 3 und %1 Zeichen.</translation>
    </message>
    <message>
        <source>A username may only contain letters, digits, dots, hyphens and underscores.</source>
        <translation>Ein Benutzername darf nur Buchstaben, Ziffern, Punkte, Bindestriche und Unterstriche enthalten.</translation>
    </message>
    <message>
        <source>A role code starts with a lower-case letter, followed by 1 to 63 lower-case letters, digits or underscores.</source>
        <translation>Ein Rollencode beginnt mit einem Kleinbuchstaben, gefolgt von 1 bis 63 Kleinbuchstaben, Ziffern oder Unterstrichen.</translation>
    </message>
    <message>
        <source>A slug has between 1 and %1 characters.</source>
        <translation>Ein Slug hat zwischen 1 und %1 Zeichen.</translation>
    </message>
    <message>
        <source>A slug is made of lower-case letters and digits, in groups separated by single hyphens.</source>
        <translation>Ein Slug besteht aus Kleinbuchstaben und Ziffern in Gruppen, die durch einzelne Bindestriche getrennt sind.</translation>
    </message>
    <message>
        <source>A role can only grant global roles or roles of its own organization (%1 belongs to another)</source>
        <translation>Eine Rolle kann nur globale Rollen oder Rollen ihrer eigenen Organisation vergeben (%1 gehört zu einer anderen)</translation>
    </message>
    <message>
        <source>You can only grant roles below your own level (%1 is level %2, yours is %3)</source>
        <translation>Sie können nur Rollen unterhalb Ihrer eigenen Stufe vergeben lassen (%1 hat Stufe %2, Ihre ist %3)</translation>
    </message>
    <message>
        <source>API key revoked</source>
        <translation>API-Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>This session was revoked; sign in again</source>
        <translation>Diese Sitzung wurde widerrufen; melden Sie sich erneut an</translation>
    </message>
    <message>
        <source>API key expired</source>
        <translation>API-Schlüssel abgelaufen</translation>
    </message>
    <message>
        <source>This session has expired; sign in again</source>
        <translation>Diese Sitzung ist abgelaufen; melden Sie sich erneut an</translation>
    </message>
    <message>
        <source>The owner of this API key has been deleted</source>
        <translation>Der Besitzer dieses API-Schlüssels wurde gelöscht</translation>
    </message>
    <message>
        <source>This account has been deleted</source>
        <translation>Dieses Konto wurde gelöscht</translation>
    </message>
    <message>
        <source>This account is locked after too many failed sign-ins; try again after %1 UTC</source>
        <translation>Dieses Konto ist nach zu vielen fehlgeschlagenen Anmeldungen blockiert; versuchen Sie es nach %1 UTC erneut</translation>
    </message>
    <message>
        <source>The owner of this API key is banned</source>
        <translation>Der Besitzer dieses API-Schlüssels ist gebannt</translation>
    </message>
    <message>
        <source>This account is banned: %1</source>
        <translation>Dieses Konto ist gebannt: %1</translation>
    </message>
    <message>
        <source> (until %1 UTC)</source>
        <translation> (bis %1 UTC)</translation>
    </message>
    <message>
        <source>This account is banned</source>
        <translation>Dieses Konto ist gebannt</translation>
    </message>
    <message>
        <source>The owner of this API key is suspended</source>
        <translation>Der Besitzer dieses API-Schlüssels ist deaktiviert</translation>
    </message>
    <message>
        <source>This account is suspended; ask an administrator to reactivate it</source>
        <translation>Dieses Konto ist deaktiviert; bitten Sie einen Administrator, es wieder zu aktivieren</translation>
    </message>
    <message>
        <source>This account is suspended</source>
        <translation>Dieses Konto ist deaktiviert</translation>
    </message>
    <message>
        <source>The organization of this API key is suspended</source>
        <translation>Die Organisation dieses API-Schlüssels ist deaktiviert</translation>
    </message>
    <message>
        <source>The organization %1 is suspended</source>
        <translation>Die Organisation %1 ist deaktiviert</translation>
    </message>
    <message>
        <source>This organization is suspended</source>
        <translation>Diese Organisation ist deaktiviert</translation>
    </message>
    <message>
        <source>Your level (%1) must be above the level of %2 (%3) to invite with it</source>
        <translation>Ihre Stufe (%1) muss über der Stufe von %2 (%3) liegen, um damit einzuladen</translation>
    </message>
    <message>
        <source>%1 has reached its plan limit of %2 users (pending invitations included)</source>
        <translation>%1 hat das Benutzerlimit des Tarifs (%2 Benutzer, ausstehende Einladungen mitgezählt) erreicht</translation>
    </message>
    <message>
        <source>The plan of %1 allows at most %2 users, counting pending invitations; remove a user, revoke an invitation or raise the plan limit first.</source>
        <translation>Der Tarif von %1 erlaubt höchstens %2 Benutzer, ausstehende Einladungen mitgezählt; entfernen Sie zuerst einen Benutzer, widerrufen Sie eine Einladung oder erhöhen Sie das Limit des Tarifs.</translation>
    </message>
    <message>
        <source>%1 has reached its plan limit of %2 users; ask an administrator</source>
        <translation>%1 hat das Benutzerlimit des Tarifs (%2 Benutzer) erreicht; wenden Sie sich an einen Administrator</translation>
    </message>
    <message>
        <source>%1 is not a known permission.</source>
        <translation>%1 ist keine bekannte Berechtigung.</translation>
    </message>
    <message>
        <source>%1 does not hold the permission %2, so the key cannot carry it.</source>
        <translation>%1 hat die Berechtigung %2 nicht, daher kann der Schlüssel sie nicht tragen.</translation>
    </message>
    <message>
        <source>This API key does not hold %1, so it cannot give it to a new key.</source>
        <translation>Dieser API-Schlüssel hat %1 nicht und kann es daher keinem neuen Schlüssel geben.</translation>
    </message>
    <message>
        <source>API key lacks scope %1</source>
        <translation>Dem API-Schlüssel fehlt der Scope %1</translation>
    </message>
    <message>
        <source>The owner of this API key no longer holds %1</source>
        <translation>Der Besitzer dieses API-Schlüssels hat %1 nicht mehr</translation>
    </message>
    <message>
        <source>A permission code has between 1 and %1 characters.</source>
        <translation>Ein Berechtigungscode hat zwischen 1 und %1 Zeichen.</translation>
    </message>
    <message>
        <source>A permission code reads &lt;organization slug&gt;:&lt;resource&gt;:&lt;action&gt;, in lower-case letters, digits, &apos;_&apos; and &apos;-&apos;, each part starting with a letter (at most %1 characters).</source>
        <translation>Ein Berechtigungscode lautet &lt;Slug der Organisation&gt;:&lt;Ressource&gt;:&lt;Aktion&gt;, aus Kleinbuchstaben, Ziffern, &apos;_&apos; und &apos;-&apos;, jeder Teil beginnt mit einem Buchstaben (höchstens %1 Zeichen).</translation>
    </message>
    <message>
        <source>Custom permission codes belong to an organization</source>
        <translation>Eigene Berechtigungscodes gehören zu einer Organisation</translation>
    </message>
    <message>
        <source>%1 would shadow a built-in permission: custom codes cannot start with %2:</source>
        <translation>%1 würde eine integrierte Berechtigung verdecken: eigene Codes können nicht mit %2: beginnen</translation>
    </message>
    <message>
        <source>The slug of %1 (%2) is reserved by Portcullis, so it cannot have custom codes</source>
        <translation>Der Slug von %1 (%2) ist von Portcullis reserviert, daher kann sie keine eigenen Codes haben</translation>
    </message>
    <message>
        <source>Custom codes of %1 start with its slug: %2:</source>
        <translation>Eigene Codes von %1 beginnen mit ihrem Slug: %2:</translation>
    </message>
    <message>
        <source>Only super admins can move users to another organization</source>
        <translation>Nur Super-Admins können Benutzer in eine andere Organisation verschieben</translation>
    </message>
</context>
<context>
    <name>Portcullis::Rest</name>
    <message>
        <source>Your session has ended; sign in again</source>
        <translation>Ihre Sitzung ist beendet; melden Sie sich erneut an</translation>
    </message>
    <message>
        <source>The server sent an answer that is not valid JSON</source>
        <translation>Der Server hat eine Antwort gesendet, die kein gültiges JSON ist</translation>
    </message>
    <message>
        <source>%1 holds no PEM certificate</source>
        <translation>%1 enthält kein PEM-Zertifikat</translation>
    </message>
    <message>
        <source>The request was cancelled</source>
        <translation>Die Anfrage wurde abgebrochen</translation>
    </message>
    <message>
        <source>No network access</source>
        <translation>Kein Netzwerkzugang</translation>
    </message>
    <message>
        <source>%1 did not answer within %2 seconds</source>
        <translation>%1 hat nicht innerhalb von %2 Sekunden geantwortet</translation>
    </message>
    <message>
        <source>Cannot reach %1: the secure connection failed (%2)</source>
        <translation>%1 ist nicht erreichbar: Die sichere Verbindung ist fehlgeschlagen (%2)</translation>
    </message>
    <message>
        <source>Cannot reach %1: the connection closed before the answer was complete</source>
        <translation>%1 ist nicht erreichbar: Die Verbindung wurde geschlossen, bevor die Antwort vollständig war</translation>
    </message>
    <message>
        <source>Cannot reach %1: %2</source>
        <translation>%1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1)</source>
        <translation>Der Server hat die Anfrage abgelehnt (HTTP %1)</translation>
    </message>
    <message>
        <source>%1 Someone else changed it: reload and try again.</source>
        <translation>%1 Jemand anderes hat es geändert: Laden Sie neu und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>Too many requests: wait %1 seconds and try again.</source>
        <translation>Zu viele Anfragen: Warten Sie %1 Sekunden und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>The server failed (HTTP %1): %2</source>
        <translation>Der Server ist fehlgeschlagen (HTTP %1): %2</translation>
    </message>
    <message>
        <source>The export was cancelled</source>
        <translation>Der Export wurde abgebrochen</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Your session has ended: %1</source>
        <translation>Ihre Sitzung ist beendet: %1</translation>
    </message>
    <message>
        <source>%1 does not exist</source>
        <translation>%1 existiert nicht</translation>
    </message>
    <message>
        <source>Cannot read %1</source>
        <translation>%1 kann nicht gelesen werden</translation>
    </message>
    <message>
        <source>%1 was reached, but its certificate is not trusted (%2). Choose the certificate of the authority that issued it under &quot;Trusted CA&quot; (or start the console with --ca-file FILE)</source>
        <translation>%1 wurde erreicht, aber sein Zertifikat ist nicht vertrauenswürdig (%2). Wählen Sie unter „Vertrauenswürdige CA“ das Zertifikat der ausstellenden Stelle (oder starten Sie die Konsole mit --ca-file DATEI)</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1: %2</source>
        <translation>Der Server unter %1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>The server at %1 cannot serve requests right now</source>
        <translation>Der Server unter %1 kann gerade keine Anfragen bearbeiten</translation>
    </message>
    <message>
        <source>Cannot reach %1: the connection closed without an HTTP answer. If the server uses TLS, connect to https://%2 instead</source>
        <translation>%1 ist nicht erreichbar: Die Verbindung wurde ohne HTTP-Antwort geschlossen. Wenn der Server TLS verwendet, verbinden Sie sich stattdessen mit https://%2</translation>
    </message>
    <message>
        <source>The server answered with an unexpected body</source>
        <translation>Der Server hat mit einem unerwarteten Inhalt geantwortet</translation>
    </message>
</context>
<context>
    <name>Portcullis::Roles</name>
    <message>
        <source>Seeding permissions</source>
        <translation>Berechtigungen anlegen</translation>
    </message>
    <message>
        <source>Seeding roles</source>
        <translation>Rollen anlegen</translation>
    </message>
    <message>
        <source>Saving the role&apos;s permissions</source>
        <translation>Berechtigungen der Rolle speichern</translation>
    </message>
    <message>
        <source>Saving the role&apos;s grants</source>
        <translation>Zuweisbare Rollen der Rolle speichern</translation>
    </message>
    <message>
        <source>Listing roles</source>
        <translation>Rollen auflisten</translation>
    </message>
    <message>
        <source>A role needs a name</source>
        <translation>Eine Rolle braucht einen Namen</translation>
    </message>
    <message>
        <source>Name is longer than %1 characters</source>
        <translation>Der Name ist länger als %1 Zeichen</translation>
    </message>
    <message>
        <source>Description is longer than %1 characters</source>
        <translation>Die Beschreibung ist länger als %1 Zeichen</translation>
    </message>
    <message>
        <source>Unknown permission %1</source>
        <translation>Unbekannte Berechtigung %1</translation>
    </message>
    <message>
        <source>Please correct the highlighted fields</source>
        <translation>Bitte korrigieren Sie die markierten Felder</translation>
    </message>
    <message>
        <source>You cannot grant %1, which you do not hold</source>
        <translation>Sie können %1 nicht vergeben, da Sie es selbst nicht haben</translation>
    </message>
    <message>
        <source>Creating the role</source>
        <translation>Rolle erstellen</translation>
    </message>
    <message>
        <source>A role with code %1 already exists</source>
        <translation>Eine Rolle mit dem Code %1 existiert bereits</translation>
    </message>
    <message>
        <source>Saving the role</source>
        <translation>Rolle speichern</translation>
    </message>
    <message>
        <source>Checking the role&apos;s assignments</source>
        <translation>Zuweisungen der Rolle prüfen</translation>
    </message>
    <message numerus="yes">
        <source>Role %1 is assigned to %n user(s); remove it from them first or delete with cascade</source>
        <translation>
            <numerusform>Die Rolle %1 ist %Ln Benutzer zugewiesen; entfernen Sie sie zuerst bei diesem oder löschen Sie sie mit Kaskade</numerusform>
            <numerusform>Die Rolle %1 ist %Ln Benutzern zugewiesen; entfernen Sie sie zuerst bei diesen oder löschen Sie sie mit Kaskade</numerusform>
        </translation>
    </message>
    <message>
        <source>Deleting the role</source>
        <translation>Rolle löschen</translation>
    </message>
    <message>
        <source>Role %1 does not have %2</source>
        <translation>Die Rolle %1 hat %2 nicht</translation>
    </message>
    <message>
        <source>Listing permissions</source>
        <translation>Berechtigungen auflisten</translation>
    </message>
    <message>
        <source>Unknown role %1</source>
        <translation>Unbekannte Rolle %1</translation>
    </message>
    <message>
        <source>Custom role levels go from %1 to %2</source>
        <translation>Stufen benutzerdefinierter Rollen reichen von %1 bis %2</translation>
    </message>
    <message>
        <source>Counting the organization&apos;s permission codes</source>
        <translation>Berechtigungscodes der Organisation zählen</translation>
    </message>
    <message>
        <source>%1 already has %2 custom permission codes, the most it can have; delete some it no longer uses first</source>
        <translation>%1 hat bereits %2 eigene Berechtigungscodes, das Maximum; löschen Sie zuerst einige, die nicht mehr gebraucht werden</translation>
    </message>
    <message>
        <source>Defining the permission code</source>
        <translation>Berechtigungscode anlegen</translation>
    </message>
    <message>
        <source>The permission code %1 already exists</source>
        <translation>Der Berechtigungscode %1 existiert bereits</translation>
    </message>
    <message>
        <source>Deleting the permission code</source>
        <translation>Berechtigungscode löschen</translation>
    </message>
    <message>
        <source>%1 (#%2)</source>
        <translation>%1 (#%2)</translation>
    </message>
    <message>
        <source>roles: %1</source>
        <translation>Rollen: %1</translation>
    </message>
    <message>
        <source>API keys: %1</source>
        <translation>API-Schlüssel: %1</translation>
    </message>
    <message>
        <source>%1 is still in use (%2); take it out of them first</source>
        <translation>%1 wird noch verwendet (%2); entfernen Sie ihn dort zuerst</translation>
    </message>
</context>
<context>
    <name>Portcullis::SecretStore</name>
    <message>
        <source>No saved credentials</source>
        <translation>Keine gespeicherten Anmeldedaten</translation>
    </message>
    <message>
        <source>The system keychain is not available (%1). Your credentials are kept in memory for this session only and will not be remembered.</source>
        <translation>Der Systemschlüsselbund ist nicht verfügbar (%1). Ihre Anmeldedaten bleiben nur für diese Sitzung im Speicher und werden nicht gespeichert.</translation>
    </message>
</context>
<context>
    <name>Portcullis::Sessions</name>
    <message>
        <source>Loading a session</source>
        <translation>Sitzung laden</translation>
    </message>
    <message>
        <source>No session with id %1</source>
        <translation>Keine Sitzung mit der ID %1</translation>
    </message>
    <message>
        <source>Counting sessions</source>
        <translation>Sitzungen zählen</translation>
    </message>
    <message>
        <source>Listing sessions</source>
        <translation>Sitzungen auflisten</translation>
    </message>
    <message>
        <source>Revoking the session</source>
        <translation>Sitzung widerrufen</translation>
    </message>
    <message>
        <source>Revoking the sessions</source>
        <translation>Sitzungen widerrufen</translation>
    </message>
    <message>
        <source>Purging expired sessions</source>
        <translation>Abgelaufene Sitzungen bereinigen</translation>
    </message>
    <message>
        <source>Say why you impersonate this user; the reason is audited.</source>
        <translation>Geben Sie an, warum Sie die Identität dieses Benutzers übernehmen; der Grund wird protokolliert.</translation>
    </message>
    <message>
        <source>A reason has at most %1 characters.</source>
        <translation>Ein Grund hat höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <source>An impersonation lasts between 1 and %1 minutes.</source>
        <translation>Eine Identitätsübernahme dauert zwischen 1 und %1 Minuten.</translation>
    </message>
    <message>
        <source>The impersonation request is incomplete.</source>
        <translation>Die Anfrage zur Identitätsübernahme ist unvollständig.</translation>
    </message>
    <message>
        <source>%1 cannot sign in (%2), so it cannot be impersonated</source>
        <translation>%1 kann sich nicht anmelden (%2), daher kann die Identität nicht übernommen werden</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Das System konnte kein sicheres Token erzeugen</translation>
    </message>
    <message>
        <source>Creating the impersonation session</source>
        <translation>Sitzung zur Identitätsübernahme erstellen</translation>
    </message>
    <message>
        <source>Sign in first: no session token was given</source>
        <translation>Melden Sie sich zuerst an: Es wurde kein Sitzungstoken angegeben</translation>
    </message>
    <message>
        <source>Checking the session</source>
        <translation>Sitzung prüfen</translation>
    </message>
    <message>
        <source>Unknown session; sign in again</source>
        <translation>Unbekannte Sitzung; melden Sie sich erneut an</translation>
    </message>
    <message>
        <source>Refreshing the session</source>
        <translation>Sitzung erneuern</translation>
    </message>
    <message>
        <source>Impersonation is turned off in the deployment settings</source>
        <translation>Identitätswechsel ist in den Bereitstellungseinstellungen ausgeschaltet</translation>
    </message>
</context>
<context>
    <name>Portcullis::Settings</name>
    <message>
        <source>Use on or off.</source>
        <translation>Verwenden Sie Ein oder Aus.</translation>
    </message>
    <message>
        <source>Use 0 (keep forever) or a whole number from %1 to %2.</source>
        <translation>Verwenden Sie 0 (für immer behalten) oder eine ganze Zahl von %1 bis %2.</translation>
    </message>
    <message>
        <source>Use a whole number from %1 to %2.</source>
        <translation>Verwenden Sie eine ganze Zahl von %1 bis %2.</translation>
    </message>
    <message>
        <source>A refresh token must last at least as long as an access token.</source>
        <translation>Ein Aktualisierungstoken muss mindestens so lange gelten wie ein Zugriffstoken.</translation>
    </message>
    <message>
        <source>Some settings are out of range.</source>
        <translation>Einige Einstellungen liegen außerhalb des zulässigen Bereichs.</translation>
    </message>
    <message>
        <source>There is no setting %1.</source>
        <translation>Es gibt keine Einstellung %1.</translation>
    </message>
    <message>
        <source>Reading the deployment settings</source>
        <translation>Lesen der Bereitstellungseinstellungen</translation>
    </message>
    <message>
        <source>Only super admins can see the deployment settings</source>
        <translation>Nur Super-Admins können die Bereitstellungseinstellungen sehen</translation>
    </message>
    <message>
        <source>Only super admins can change the deployment settings</source>
        <translation>Nur Super-Admins können die Bereitstellungseinstellungen ändern</translation>
    </message>
    <message>
        <source>Saving the deployment settings</source>
        <translation>Speichern der Bereitstellungseinstellungen</translation>
    </message>
    <message>
        <source>Removing expired sessions</source>
        <translation>Entfernen abgelaufener Sitzungen</translation>
    </message>
    <message>
        <source>Removing used and expired tokens</source>
        <translation>Entfernen benutzter und abgelaufener Tokens</translation>
    </message>
    <message>
        <source>Removing expired refresh tokens</source>
        <translation>Entfernen abgelaufener Aktualisierungstokens</translation>
    </message>
    <message>
        <source>Removing used and expired invitations</source>
        <translation>Entfernen benutzter und abgelaufener Einladungen</translation>
    </message>
    <message>
        <source>Only super admins can run maintenance</source>
        <translation>Nur Super-Admins können die Wartung ausführen</translation>
    </message>
    <message>
        <source>Maintenance is already running</source>
        <translation>Die Wartung läuft bereits</translation>
    </message>
    <message>
        <source>Reading the maintenance runs</source>
        <translation>Lesen der Wartungsläufe</translation>
    </message>
    <message>
        <source>Recording the maintenance run</source>
        <translation>Aufzeichnen des Wartungslaufs</translation>
    </message>
    <message>
        <source>Only super admins can see the maintenance runs</source>
        <translation>Nur Super-Admins können die Wartungsläufe sehen</translation>
    </message>
</context>
<context>
    <name>Portcullis::SqlBackend</name>
    <message>
        <source>The database is not open</source>
        <translation>Die Datenbank ist nicht geöffnet</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>%1 kann nicht gespeichert werden: %2</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Nicht angemeldet</translation>
    </message>
    <message>
        <source>Your session has ended: %1</source>
        <translation>Ihre Sitzung ist beendet: %1</translation>
    </message>
    <message>
        <source>Cannot reach the database %1: %2</source>
        <translation>Die Datenbank %1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>Checking the database</source>
        <translation>Prüfen der Datenbank</translation>
    </message>
</context>
<context>
    <name>Portcullis::Stats</name>
    <message>
        <source>Reading the statistics</source>
        <translation>Statistik lesen</translation>
    </message>
</context>
<context>
    <name>Portcullis::Store</name>
    <message>
        <source>%1: a record with the same value already exists</source>
        <translation>%1: Ein Datensatz mit demselben Wert existiert bereits</translation>
    </message>
    <message>
        <source>%1: the database is locked by another program; try again in a moment</source>
        <translation>%1: Die Datenbank ist von einem anderen Programm gesperrt; versuchen Sie es gleich noch einmal</translation>
    </message>
    <message>
        <source>%1: the database file is damaged (%2)</source>
        <translation>%1: Die Datenbankdatei ist beschädigt (%2)</translation>
    </message>
    <message>
        <source>%1: lost the connection to the database (%2)</source>
        <translation>%1: Die Verbindung zur Datenbank ist abgebrochen (%2)</translation>
    </message>
    <message>
        <source>Starting a transaction</source>
        <translation>Transaktion starten</translation>
    </message>
    <message>
        <source>Locking the audit chain</source>
        <translation>Audit-Kette sperren</translation>
    </message>
    <message>
        <source>Saving the change</source>
        <translation>Änderung speichern</translation>
    </message>
    <message>
        <source>Reading the audit chain</source>
        <translation>Audit-Kette lesen</translation>
    </message>
    <message>
        <source>Writing the audit log</source>
        <translation>Audit-Protokoll schreiben</translation>
    </message>
    <message>
        <source>Loading a user</source>
        <translation>Benutzer laden</translation>
    </message>
    <message>
        <source>No user with id %1</source>
        <translation>Kein Benutzer mit der ID %1</translation>
    </message>
    <message>
        <source>Looking up the account</source>
        <translation>Konto nachschlagen</translation>
    </message>
    <message>
        <source>No such account</source>
        <translation>Kein solches Konto</translation>
    </message>
    <message>
        <source>Loading a role</source>
        <translation>Rolle laden</translation>
    </message>
    <message>
        <source>No role with code %1</source>
        <translation>Keine Rolle mit dem Code %1</translation>
    </message>
    <message>
        <source>No role with id %1</source>
        <translation>Keine Rolle mit der ID %1</translation>
    </message>
    <message>
        <source>Loading an organization</source>
        <translation>Organisation laden</translation>
    </message>
    <message>
        <source>No organization with id %1</source>
        <translation>Keine Organisation mit der ID %1</translation>
    </message>
    <message>
        <source>No audit key is configured: with PostgreSQL give the key file with --audit-key or in %1</source>
        <translation>Kein Audit-Schlüssel eingerichtet: geben Sie bei PostgreSQL die Schlüsseldatei mit --audit-key oder in %1 an</translation>
    </message>
    <message>
        <source>The audit key %1 is missing, but this audit log was written with a key; restore the key file from a backup (nothing is written without it)</source>
        <translation>Der Audit-Schlüssel %1 fehlt, aber dieses Audit-Protokoll wurde mit einem Schlüssel geschrieben; stellen Sie die Schlüsseldatei aus einer Sicherung wieder her (ohne sie wird nichts geschrieben)</translation>
    </message>
    <message>
        <source>No session with id %1</source>
        <translation>Keine Sitzung mit der ID %1</translation>
    </message>
    <message>
        <source>No API key with id %1</source>
        <translation>Kein API-Schlüssel mit der ID %1</translation>
    </message>
    <message>
        <source>No invitation with id %1</source>
        <translation>Keine Einladung mit der ID %1</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Konto wird geprüft</translation>
    </message>
    <message>
        <source>Counting the users of the organization</source>
        <translation>Benutzer der Organisation werden gezählt</translation>
    </message>
    <message>
        <source>Revoking the user&apos;s API keys</source>
        <translation>API-Schlüssel des Benutzers werden widerrufen</translation>
    </message>
    <message>
        <source>Recording the failed sign-in</source>
        <translation>Fehlgeschlagene Anmeldung erfassen</translation>
    </message>
    <message>
        <source>Locking the account</source>
        <translation>Konto blockieren</translation>
    </message>
    <message>
        <source>Audit events cannot be written or checked: %1</source>
        <translation>Audit-Ereignisse können weder geschrieben noch geprüft werden: %1</translation>
    </message>
    <message>
        <source>No audit event #%1</source>
        <translation>Kein Audit-Ereignis #%1</translation>
    </message>
    <message>
        <source>Recording the sign-in</source>
        <translation>Anmeldung erfassen</translation>
    </message>
    <message>
        <source>Locking the job &quot;%1&quot;</source>
        <translation>Sperren des Auftrags „%1“</translation>
    </message>
    <message>
        <source>%1: lost the connection to the database</source>
        <translation>%1: Die Verbindung zur Datenbank ist abgebrochen</translation>
    </message>
    <message>
        <source>Cannot create the lock file beside %1 for &quot;%2&quot;</source>
        <translation>Die Sperrdatei neben %1 für „%2“ kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>No permission code %1</source>
        <translation>Kein Berechtigungscode %1</translation>
    </message>
    <message>
        <source>Loading the organization&apos;s permission codes</source>
        <translation>Berechtigungscodes der Organisation laden</translation>
    </message>
</context>
<context>
    <name>Portcullis::Tokens</name>
    <message>
        <source>%1 is deleted</source>
        <translation>%1 ist gelöscht</translation>
    </message>
    <message>
        <source>%1 is already verified</source>
        <translation>%1 ist bereits verifiziert</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Das System konnte kein sicheres Token erzeugen</translation>
    </message>
    <message>
        <source>Replacing older tokens</source>
        <translation>Ältere Tokens ersetzen</translation>
    </message>
    <message>
        <source>Issuing the token</source>
        <translation>Token ausstellen</translation>
    </message>
    <message>
        <source>This link is not valid; ask for a new one</source>
        <translation>Dieser Link ist ungültig; fordern Sie einen neuen an</translation>
    </message>
    <message>
        <source>Checking the link</source>
        <translation>Link prüfen</translation>
    </message>
    <message>
        <source>This link was already used; ask for a new one</source>
        <translation>Dieser Link wurde bereits verwendet; fordern Sie einen neuen an</translation>
    </message>
    <message>
        <source>This link has expired; ask for a new one</source>
        <translation>Dieser Link ist abgelaufen; fordern Sie einen neuen an</translation>
    </message>
    <message>
        <source>Using the link</source>
        <translation>Link verwenden</translation>
    </message>
    <message>
        <source>The password could not be hashed; try again</source>
        <translation>Das Passwort konnte nicht gehasht werden; versuchen Sie es erneut</translation>
    </message>
    <message>
        <source>This account has been deleted</source>
        <translation>Dieses Konto wurde gelöscht</translation>
    </message>
    <message>
        <source>Saving the new password</source>
        <translation>Neues Passwort speichern</translation>
    </message>
    <message>
        <source>Ending the sessions of the account</source>
        <translation>Sitzungen des Kontos beenden</translation>
    </message>
    <message>
        <source>Marking the email address as verified</source>
        <translation>E-Mail-Adresse als verifiziert markieren</translation>
    </message>
</context>
<context>
    <name>Portcullis::UserImport</name>
    <message>
        <source>The file is larger than %1 MB</source>
        <translation>Die Datei ist größer als %1 MB</translation>
    </message>
    <message>
        <source>The file is not UTF-8 text; save it as &quot;CSV UTF-8&quot; and try again</source>
        <translation>Die Datei ist kein UTF-8-Text; speichern Sie sie als „CSV UTF-8“ und versuchen Sie es erneut</translation>
    </message>
    <message>
        <source>Could not start the CSV reader</source>
        <translation>Der CSV-Leser konnte nicht gestartet werden</translation>
    </message>
    <message>
        <source>The file is not valid CSV after row %1: check the quotes</source>
        <translation>Die Datei ist nach Zeile %1 kein gültiges CSV: prüfen Sie die Anführungszeichen</translation>
    </message>
    <message>
        <source>The file has more than %L1 rows</source>
        <translation>Die Datei hat mehr als %L1 Zeilen</translation>
    </message>
    <message>
        <source>The file is empty</source>
        <translation>Die Datei ist leer</translation>
    </message>
    <message>
        <source>Unknown column &quot;%1&quot;: the columns are email, username, full name, roles, organization</source>
        <translation>Unbekannte Spalte „%1“: die Spalten sind email, username, full name, roles, organization</translation>
    </message>
    <message>
        <source>The column &quot;%1&quot; appears twice</source>
        <translation>Die Spalte „%1“ kommt zweimal vor</translation>
    </message>
    <message>
        <source>The header row must name the columns email and username</source>
        <translation>Die Kopfzeile muss die Spalten email und username nennen</translation>
    </message>
    <message>
        <source>The row has %1 fields, the header %2</source>
        <translation>Die Zeile hat %1 Felder, die Kopfzeile %2</translation>
    </message>
    <message>
        <source>An earlier row has the same email or username</source>
        <translation>Eine frühere Zeile hat dieselbe E-Mail-Adresse oder denselben Benutzernamen</translation>
    </message>
    <message>
        <source>Not imported: the import was cancelled</source>
        <translation>Nicht importiert: der Import wurde abgebrochen</translation>
    </message>
</context>
<context>
    <name>Portcullis::Users</name>
    <message>
        <source>Full name is longer than %1 characters</source>
        <translation>Der vollständige Name ist länger als %1 Zeichen</translation>
    </message>
    <message>
        <source>Please correct the highlighted fields</source>
        <translation>Bitte korrigieren Sie die markierten Felder</translation>
    </message>
    <message>
        <source>Ending the user&apos;s sessions</source>
        <translation>Sitzungen des Benutzers beenden</translation>
    </message>
    <message>
        <source>User %1 has been deleted</source>
        <translation>Der Benutzer %1 wurde gelöscht</translation>
    </message>
    <message>
        <source>Choose an organization</source>
        <translation>Wählen Sie eine Organisation</translation>
    </message>
    <message>
        <source>Organization %1 is suspended</source>
        <translation>Die Organisation %1 ist deaktiviert</translation>
    </message>
    <message>
        <source>Could not hash the password</source>
        <translation>Das Passwort konnte nicht gehasht werden</translation>
    </message>
    <message>
        <source>Creating the user</source>
        <translation>Benutzer erstellen</translation>
    </message>
    <message>
        <source>Assigning the roles</source>
        <translation>Rollen zuweisen</translation>
    </message>
    <message>
        <source>That email or username is already taken</source>
        <translation>Diese E-Mail-Adresse oder dieser Benutzername ist bereits vergeben</translation>
    </message>
    <message>
        <source>Email or username already in use</source>
        <translation>E-Mail-Adresse oder Benutzername bereits vergeben</translation>
    </message>
    <message>
        <source>Unknown status filter %1</source>
        <translation>Unbekannter Statusfilter %1</translation>
    </message>
    <message>
        <source>Cannot sort by %1</source>
        <translation>Sortieren nach %1 nicht möglich</translation>
    </message>
    <message>
        <source>Counting users</source>
        <translation>Benutzer zählen</translation>
    </message>
    <message>
        <source>Listing users</source>
        <translation>Benutzer auflisten</translation>
    </message>
    <message>
        <source>You cannot verify your own account</source>
        <translation>Sie können Ihr eigenes Konto nicht verifizieren</translation>
    </message>
    <message>
        <source>Saving the user</source>
        <translation>Benutzer speichern</translation>
    </message>
    <message>
        <source>%1 was changed by someone else; reload to see the current values</source>
        <translation>%1 wurde von jemand anderem geändert; laden Sie neu, um die aktuellen Werte zu sehen</translation>
    </message>
    <message>
        <source>Deleting the user</source>
        <translation>Benutzer löschen</translation>
    </message>
    <message>
        <source>Reason is longer than %1 characters</source>
        <translation>Der Grund ist länger als %1 Zeichen</translation>
    </message>
    <message>
        <source>Suspending the user</source>
        <translation>Benutzer deaktivieren</translation>
    </message>
    <message>
        <source>Reactivating the user</source>
        <translation>Benutzer reaktivieren</translation>
    </message>
    <message>
        <source>A ban needs a reason</source>
        <translation>Eine Sperre braucht einen Grund</translation>
    </message>
    <message>
        <source>The ban must end in the future</source>
        <translation>Die Sperre muss in der Zukunft enden</translation>
    </message>
    <message>
        <source>Banning the user</source>
        <translation>Benutzer sperren</translation>
    </message>
    <message>
        <source>%1 is not banned</source>
        <translation>%1 ist nicht gesperrt</translation>
    </message>
    <message>
        <source>Lifting the ban</source>
        <translation>Sperre aufheben</translation>
    </message>
    <message>
        <source>Changing the password</source>
        <translation>Passwort ändern</translation>
    </message>
    <message>
        <source>%1 already holds %2</source>
        <translation>%1 hat %2 bereits</translation>
    </message>
    <message>
        <source>Assigning the role</source>
        <translation>Rolle zuweisen</translation>
    </message>
    <message>
        <source>%1 does not hold %2</source>
        <translation>%1 hat %2 nicht</translation>
    </message>
    <message>
        <source>Revoking the role</source>
        <translation>Rolle entziehen</translation>
    </message>
    <message>
        <source>Enter your current password to change it.</source>
        <translation>Geben Sie Ihr aktuelles Passwort ein, um es zu ändern.</translation>
    </message>
    <message>
        <source>Your current password is not right.</source>
        <translation>Ihr aktuelles Passwort stimmt nicht.</translation>
    </message>
    <message>
        <source>Too many wrong passwords: try again after %1 UTC</source>
        <translation>Zu viele falsche Passwörter: versuchen Sie es nach %1 UTC erneut</translation>
    </message>
    <message>
        <source>The email %1 is already in use</source>
        <translation>Die E-Mail-Adresse %1 ist bereits vergeben</translation>
    </message>
    <message>
        <source>The username %1 is already in use</source>
        <translation>Der Benutzername %1 ist bereits vergeben</translation>
    </message>
    <message>
        <source>The email %1 and the username %2 are already in use</source>
        <translation>Die E-Mail-Adresse %1 und der Benutzername %2 sind bereits vergeben</translation>
    </message>
    <message>
        <source>%1 already belongs to %2</source>
        <translation>%1 gehört bereits zu %2</translation>
    </message>
    <message>
        <source>Organization %1 is suspended; reactivate it before moving users into it</source>
        <translation>Die Organisation %1 ist gesperrt; reaktivieren Sie sie, bevor Sie Benutzer dorthin verschieben</translation>
    </message>
    <message>
        <source>Reading the user&apos;s roles</source>
        <translation>Rollen des Benutzers lesen</translation>
    </message>
    <message>
        <source>Removing the user&apos;s roles</source>
        <translation>Rollen des Benutzers entfernen</translation>
    </message>
    <message>
        <source>Moving the user</source>
        <translation>Benutzer verschieben</translation>
    </message>
    <message>
        <source>An import takes at most %L1 rows</source>
        <translation>Ein Import umfasst höchstens %L1 Zeilen</translation>
    </message>
    <message>
        <source>Looking up the organizations</source>
        <translation>Organisationen nachschlagen</translation>
    </message>
    <message>
        <source>Looking up existing users</source>
        <translation>Vorhandene Benutzer nachschlagen</translation>
    </message>
    <message>
        <source>An earlier row has the same email or username</source>
        <translation>Eine frühere Zeile hat dieselbe E-Mail-Adresse oder denselben Benutzernamen</translation>
    </message>
    <message>
        <source>A user with this email or username exists; skipped</source>
        <translation>Ein Benutzer mit dieser E-Mail-Adresse oder diesem Benutzernamen existiert; übersprungen</translation>
    </message>
    <message>
        <source>No organization %1</source>
        <translation>Keine Organisation %1</translation>
    </message>
    <message>
        <source>An invitation carries exactly one role</source>
        <translation>Eine Einladung trägt genau eine Rolle</translation>
    </message>
    <message>
        <source>No role %1</source>
        <translation>Keine Rolle %1</translation>
    </message>
    <message>
        <source>You may not assign the role %1</source>
        <translation>Sie dürfen die Rolle %1 nicht zuweisen</translation>
    </message>
    <message>
        <source>Not imported: the import was cancelled</source>
        <translation>Nicht importiert: der Import wurde abgebrochen</translation>
    </message>
    <message>
        <source>Exporting the users</source>
        <translation>Benutzer exportieren</translation>
    </message>
    <message>
        <source>Could not write the export: %1</source>
        <translation>Der Export konnte nicht geschrieben werden: %1</translation>
    </message>
    <message>
        <source>Export cancelled after %1 users</source>
        <translation>Export nach %1 Benutzern abgebrochen</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Admin console for multi-tenant auth: tenants, users, roles, API keys, sessions and the audit log.</source>
        <translation>Verwaltungskonsole für mandantenfähige Authentifizierung: Organisationen, Benutzer, Rollen, API-Schlüssel, Sitzungen und das Audit-Protokoll.</translation>
    </message>
    <message>
        <source>Open a SQLite file or a postgresql:// URL.</source>
        <translation>Eine SQLite-Datei oder eine postgresql://-URL öffnen.</translation>
    </message>
    <message>
        <source>Also trust the certificates in this PEM file for --server (a private CA).</source>
        <translation>Den Zertifikaten in dieser PEM-Datei für --server zusätzlich vertrauen (eine private CA).</translation>
    </message>
    <message>
        <source>Sign in as this admin.</source>
        <translation>Als dieser Administrator anmelden.</translation>
    </message>
    <message>
        <source>Read the password from this file (- for standard input).</source>
        <translation>Das Passwort aus dieser Datei lesen (- für die Standardeingabe).</translation>
    </message>
    <message>
        <source>Open this pane: dashboard, organizations, users, roles, api-keys, sessions or audit.</source>
        <translation>Diesen Bereich öffnen: dashboard, organizations, users, roles, api-keys, sessions oder audit.</translation>
    </message>
    <message>
        <source>Sign in, open the pane, wait for its data, save a PNG of the window and exit.</source>
        <translation>Anmelden, den Bereich öffnen, auf seine Daten warten, ein PNG des Fensters speichern und beenden.</translation>
    </message>
    <message>
        <source>Use this language (de, fr, en).</source>
        <translation>Diese Sprache verwenden (de, fr, en).</translation>
    </message>
    <message>
        <source>Unknown language %1; choose one of %2</source>
        <translation>Unbekannte Sprache %1; wählen Sie eine aus %2</translation>
    </message>
    <message>
        <source>With --screenshot: open this dialog over the pane and save it instead of the window (preferences, …).</source>
        <translation>Mit --screenshot: diesen Dialog über dem Bereich öffnen und statt des Fensters speichern (preferences, …).</translation>
    </message>
    <message>
        <source>Connect to a portcullis-server or a better-auth server.</source>
        <translation>Mit einem portcullis-server oder einem better-auth-Server verbinden.</translation>
    </message>
    <message>
        <source>The kind of --server: portcullis or better-auth (a better-auth server&apos;s base path, such as https://app.example.com/api/auth). Detected when not given.</source>
        <translation>Die Art von --server: portcullis oder better-auth (der Basispfad eines better-auth-Servers, etwa https://app.example.com/api/auth). Ohne Angabe wird sie erkannt.</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyDetailsPanel</name>
    <message>
        <source>API key details</source>
        <translation>Details des API-Schlüssels</translation>
    </message>
    <message>
        <source>Select a key to see its scopes and limits.

Create a key with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Wählen Sie einen Schlüssel, um seine Scopes und Limits zu sehen.

Erstellen Sie einen Schlüssel mit Strg+N: Sein geheimer Teil wird einmal angezeigt, danach bleibt nur sein Präfix.</translation>
    </message>
    <message>
        <source>Key:</source>
        <translation>Schlüssel:</translation>
    </message>
    <message>
        <source>Owner:</source>
        <translation>Besitzer:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Scopes:</source>
        <translation>Scopes:</translation>
    </message>
    <message>
        <source>Allowed IPs:</source>
        <translation>Erlaubte IPs:</translation>
    </message>
    <message>
        <source>Rate limit:</source>
        <translation>Ratenlimit:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Last used:</source>
        <translation>Zuletzt verwendet:</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Läuft ab:</translation>
    </message>
    <message>
        <source>none: the key can do nothing</source>
        <translation>keine: Der Schlüssel kann nichts</translation>
    </message>
    <message>
        <source>any address</source>
        <translation>jede Adresse</translation>
    </message>
    <message>
        <source>%1 requests per minute</source>
        <translation>%1 Anfragen pro Minute</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Old secret:</source>
        <translation>Altes Geheimnis:</translation>
    </message>
    <message>
        <source>refused (rotated %1)</source>
        <translation>abgelehnt (rotiert %1)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keines</translation>
    </message>
    <message>
        <source>works until %1; last used %2</source>
        <translation>gilt bis %1; zuletzt verwendet %2</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyDialog</name>
    <message>
        <source>New API key</source>
        <translation>Neuer API-Schlüssel</translation>
    </message>
    <message>
        <source>Owner email</source>
        <translation>E-Mail-Adresse des Besitzers</translation>
    </message>
    <message>
        <source>Email of the user the key acts for</source>
        <translation>E-Mail-Adresse des Benutzers, für den der Schlüssel handelt</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>Name des Schlüssels</translation>
    </message>
    <message>
        <source>What uses it, e.g. &quot;CI deploy bot&quot;</source>
        <translation>Wer ihn verwendet, z. B. „CI-Deploy-Bot“</translation>
    </message>
    <message>
        <source>Filter scopes</source>
        <translation>Scopes filtern</translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation>Scopes</translation>
    </message>
    <message>
        <source>Expires at the end of</source>
        <translation>Läuft ab am Ende von</translation>
    </message>
    <message>
        <source>The key expires</source>
        <translation>Der Schlüssel läuft ab</translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation>Ablaufdatum</translation>
    </message>
    <message>
        <source>Rate limit per minute</source>
        <translation>Ratenlimit pro Minute</translation>
    </message>
    <message>
        <source> requests/min</source>
        <translation> Anfragen/min</translation>
    </message>
    <message>
        <source>IP allowlist</source>
        <translation>IP-Positivliste</translation>
    </message>
    <message>
        <source>One address or CIDR range per line, e.g. 203.0.113.7 or 10.0.0.0/8.
Empty: any address.</source>
        <translation>Eine Adresse oder ein CIDR-Bereich pro Zeile, z. B. 203.0.113.7 oder 10.0.0.0/8.
Leer: jede Adresse.</translation>
    </message>
    <message>
        <source>&amp;Owner:</source>
        <translation>&amp;Besitzer:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Scopes:</source>
        <translation>&amp;Scopes:</translation>
    </message>
    <message>
        <source>E&amp;xpiry:</source>
        <translation>&amp;Ablauf:</translation>
    </message>
    <message>
        <source>&amp;IP allowlist:</source>
        <translation>&amp;IP-Positivliste:</translation>
    </message>
    <message>
        <source>C&amp;reate key</source>
        <translation>Schlüssel &amp;erstellen</translation>
    </message>
    <message>
        <source>The key acts for its owner, limited to the scopes you check. Its secret is shown once, right after it is created.</source>
        <translation>Der Schlüssel handelt für seinen Besitzer, beschränkt auf die Scopes, die Sie ankreuzen. Sein geheimer Teil wird einmal angezeigt, direkt nach dem Erstellen.</translation>
    </message>
    <message>
        <source>Looking for the user…</source>
        <translation>Benutzer wird gesucht …</translation>
    </message>
    <message>
        <source>Type the email of the user the key acts for.</source>
        <translation>Geben Sie die E-Mail-Adresse des Benutzers ein, für den der Schlüssel handelt.</translation>
    </message>
    <message>
        <source>No user matches “%1”.</source>
        <translation>Kein Benutzer passt zu „%1“.</translation>
    </message>
    <message numerus="yes">
        <source>%n users match “%1”; type the whole email address.</source>
        <translation>
            <numerusform>%Ln Benutzer passt zu „%1“; geben Sie die vollständige E-Mail-Adresse ein.</numerusform>
            <numerusform>%Ln Benutzer passen zu „%1“; geben Sie die vollständige E-Mail-Adresse ein.</numerusform>
        </translation>
    </message>
    <message>
        <source>You cannot create keys for %1: %2</source>
        <translation>Sie können für %1 keine Schlüssel erstellen: %2</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>→ %1 (you)</source>
        <translation>→ %1 (Sie)</translation>
    </message>
    <message>
        <source>→ %1</source>
        <translation>→ %1</translation>
    </message>
    <message>
        <source>Loading what the owner holds…</source>
        <translation>Berechtigungen des Besitzers werden geladen …</translation>
    </message>
    <message>
        <source>Could not read the owner&apos;s permissions: %1</source>
        <translation>Die Berechtigungen des Besitzers konnten nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Wildcard: everything the owner holds under %1</source>
        <translation>Platzhalter: alles, was der Besitzer unter %1 hat</translation>
    </message>
    <message>
        <source>Check at least one scope: a key without scopes can do nothing.</source>
        <translation>Kreuzen Sie mindestens einen Scope an: Ein Schlüssel ohne Scopes kann nichts.</translation>
    </message>
    <message numerus="yes">
        <source>%n scope(s) checked of %1 the owner holds</source>
        <translation>
            <numerusform>%Ln Scope angekreuzt von %1, die der Besitzer hat</numerusform>
            <numerusform>%Ln Scopes angekreuzt von %1, die der Besitzer hat</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose an owner first</source>
        <translation>Wählen Sie zuerst einen Besitzer</translation>
    </message>
    <message>
        <source>Rate &amp;limit:</source>
        <translation>Raten&amp;limit:</translation>
    </message>
    <message>
        <source>Edit API key</source>
        <translation>API-Schlüssel bearbeiten</translation>
    </message>
    <message>
        <source>A key keeps its owner; create a new key for someone else</source>
        <translation>Ein Schlüssel behält seinen Besitzer; erstellen Sie für jemand anderen einen neuen Schlüssel</translation>
    </message>
    <message>
        <source>Loading the key…</source>
        <translation>Schlüssel wird geladen …</translation>
    </message>
    <message>
        <source>Could not load the key: %1</source>
        <translation>Der Schlüssel konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Edit API key %1</source>
        <translation>API-Schlüssel %1 bearbeiten</translation>
    </message>
    <message>
        <source>The owner no longer holds %1: uncheck it</source>
        <translation>Der Besitzer hat %1 nicht mehr: Haken entfernen</translation>
    </message>
    <message>
        <source>Sa&amp;ve</source>
        <translation>Spei&amp;chern</translation>
    </message>
    <message>
        <source>The key keeps its owner and its secret (rotate it for a new secret). Programs using it get the new scopes and limits with their next request.</source>
        <translation>Der Schlüssel behält seinen Besitzer und sein Geheimnis (rotieren Sie ihn für ein neues Geheimnis). Programme, die ihn verwenden, erhalten die neuen Scopes und Limits mit ihrer nächsten Anfrage.</translation>
    </message>
    <message>
        <source>A permission code of the owner&apos;s organization</source>
        <translation>Ein Berechtigungscode der Organisation des Besitzers</translation>
    </message>
    <message>
        <source>Deployment default</source>
        <translation>Standard der Bereitstellung</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyListModel</name>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>%1/min</source>
        <translation>%1/min</translation>
    </message>
    <message>
        <source>Only the start of the key is stored in a readable form; the key itself was shown once.</source>
        <translation>Nur der Anfang des Schlüssels ist lesbar gespeichert; der Schlüssel selbst wurde einmal angezeigt.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Schlüssel</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Besitzer</translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation>Scopes</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Zuletzt verwendet</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Ratenlimit</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeysPane</name>
    <message>
        <source>API keys</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Zuletzt verwendet</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>%1/min</source>
        <translation>%1/min</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Ratenlimit</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Widerrufen …</translation>
    </message>
    <message>
        <source>&amp;Copy the prefix</source>
        <translation>Präfix &amp;kopieren</translation>
    </message>
    <message>
        <source>Show all keys of this &amp;owner</source>
        <translation>Alle Schlüssel dieses &amp;Besitzers anzeigen</translation>
    </message>
    <message>
        <source>Could not load the API keys: %1</source>
        <translation>Die API-Schlüssel konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Keys of %1</source>
        <translation>Schlüssel von %1</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the API keys:
%1

Press F5 to try again.</source>
        <translation>Die API-Schlüssel konnten nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%Ln Schlüssel</numerusform>
            <numerusform>%Ln Schlüssel</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 has no API keys.
Create one with Ctrl+N, or clear the owner filter to see everyone&apos;s keys.</source>
        <translation>%1 hat keine API-Schlüssel.
Erstellen Sie einen mit Strg+N oder leeren Sie den Besitzerfilter, um die Schlüssel aller zu sehen.</translation>
    </message>
    <message>
        <source>No API keys yet.
Create one with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Noch keine API-Schlüssel.
Erstellen Sie einen mit Strg+N: Sein geheimer Teil wird einmal angezeigt, danach bleibt nur sein Präfix.</translation>
    </message>
    <message>
        <source>Select a key first</source>
        <translation>Wählen Sie zuerst einen Schlüssel</translation>
    </message>
    <message>
        <source>This key is already revoked</source>
        <translation>Dieser Schlüssel ist bereits widerrufen</translation>
    </message>
    <message>
        <source>Already showing this owner&apos;s keys</source>
        <translation>Die Schlüssel dieses Besitzers werden bereits angezeigt</translation>
    </message>
    <message>
        <source>API key %1</source>
        <translation>API-Schlüssel %1</translation>
    </message>
    <message>
        <source>The API key &lt;b&gt;%1&lt;/b&gt; for %2 is ready. Send it in the &lt;code&gt;X-API-Key&lt;/code&gt; header.</source>
        <translation>Der API-Schlüssel &lt;b&gt;%1&lt;/b&gt; für %2 ist bereit. Senden Sie ihn im Header &lt;code&gt;X-API-Key&lt;/code&gt;.</translation>
    </message>
    <message>
        <source>Created the API key %1 (%2)</source>
        <translation>API-Schlüssel %1 (%2) erstellt</translation>
    </message>
    <message>
        <source>Revoke API key</source>
        <translation>API-Schlüssel widerrufen</translation>
    </message>
    <message>
        <source>Revoke the key %1 (%2) of %3? Programs using it are refused from now on. This cannot be undone.</source>
        <translation>Den Schlüssel %1 (%2) von %3 widerrufen? Programme, die ihn verwenden, werden ab sofort abgewiesen. Das kann nicht rückgängig gemacht werden.</translation>
    </message>
    <message>
        <source>Revoked the API key %1</source>
        <translation>API-Schlüssel %1 widerrufen</translation>
    </message>
    <message>
        <source>Copied the prefix %1 (the key itself is never stored)</source>
        <translation>Präfix %1 kopiert (der Schlüssel selbst wird nie gespeichert)</translation>
    </message>
    <message>
        <source>API Keys</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Widerrufen</translation>
    </message>
    <message>
        <source>Search API keys</source>
        <translation>API-Schlüssel durchsuchen</translation>
    </message>
    <message>
        <source>Search name, key prefix or owner email (Ctrl+F)</source>
        <translation>Name, Schlüsselpräfix oder E-Mail des Inhabers suchen (Strg+F)</translation>
    </message>
    <message numerus="yes">
        <source>Finds keys whose name or owner email contains the text, and the key a pasted prefix (pk_live_…) or whole key belongs to. Type at least %n character(s).</source>
        <translation>
            <numerusform>Findet Schlüssel, deren Name oder Inhaber-E-Mail den Text enthält, und den Schlüssel, zu dem ein eingefügtes Präfix (pk_live_…) oder ein ganzer Schlüssel gehört. Geben Sie mindestens %n Zeichen ein.</numerusform>
            <numerusform>Findet Schlüssel, deren Name oder Inhaber-E-Mail den Text enthält, und den Schlüssel, zu dem ein eingefügtes Präfix (pk_live_…) oder ein ganzer Schlüssel gehört. Geben Sie mindestens %n Zeichen ein.</numerusform>
        </translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Nach Status filtern</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <source>Active only</source>
        <translation>Nur aktive</translation>
    </message>
    <message>
        <source>Show everyone&apos;s keys</source>
        <translation>Schlüssel aller anzeigen</translation>
    </message>
    <message>
        <source>Clear the owner filter</source>
        <translation>Inhaberfilter aufheben</translation>
    </message>
    <message numerus="yes">
        <source>Type at least %n character(s) to search the keys; all keys are listed meanwhile.</source>
        <translation>
            <numerusform>Geben Sie mindestens %n Zeichen ein, um die Schlüssel zu durchsuchen; bis dahin werden alle Schlüssel angezeigt.</numerusform>
            <numerusform>Geben Sie mindestens %n Zeichen ein, um die Schlüssel zu durchsuchen; bis dahin werden alle Schlüssel angezeigt.</numerusform>
        </translation>
    </message>
    <message>
        <source>No API key matches “%1”.
Search a name, a key prefix or an owner email.</source>
        <translation>Kein API-Schlüssel passt zu „%1“.
Suchen Sie einen Namen, ein Schlüsselpräfix oder eine Inhaber-E-Mail.</translation>
    </message>
    <message>
        <source>No API key in %2 matches “%1”.
Search a name, a key prefix or an owner email, or pick all tenants in the tenant switcher.</source>
        <translation>Kein API-Schlüssel in %2 passt zu „%1“.
Suchen Sie einen Namen, ein Schlüsselpräfix oder eine Inhaber-E-Mail, oder wählen Sie in der Organisationsauswahl alle Organisationen.</translation>
    </message>
    <message>
        <source>No API keys in %1.
Create one with Ctrl+N.</source>
        <translation>Keine API-Schlüssel in %1.
Erstellen Sie einen mit Strg+N.</translation>
    </message>
    <message>
        <source>New API key</source>
        <translation>Neuer API-Schlüssel</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>Be&amp;arbeiten …</translation>
    </message>
    <message>
        <source>This key is revoked</source>
        <translation>Dieser Schlüssel ist widerrufen</translation>
    </message>
    <message>
        <source>Saved the API key %1</source>
        <translation>API-Schlüssel %1 gespeichert</translation>
    </message>
    <message>
        <source>The old secret keeps working until %1.</source>
        <translation>Das alte Geheimnis gilt noch bis %1.</translation>
    </message>
    <message>
        <source>The old secret is refused from now on.</source>
        <translation>Das alte Geheimnis wird ab sofort abgelehnt.</translation>
    </message>
    <message>
        <source>The API key &lt;b&gt;%1&lt;/b&gt; of %2 has a new secret. %3</source>
        <translation>Der API-Schlüssel &lt;b&gt;%1&lt;/b&gt; von %2 hat ein neues Geheimnis. %3</translation>
    </message>
    <message>
        <source>Rotated the API key %1 (%2)</source>
        <translation>API-Schlüssel %1 rotiert (%2)</translation>
    </message>
    <message>
        <source>Ro&amp;tate…</source>
        <translation>Ro&amp;tieren …</translation>
    </message>
    <message>
        <source>Only your own keys are listed.</source>
        <translation>Nur Ihre eigenen Schlüssel werden aufgeführt.</translation>
    </message>
    <message>
        <source>Search name or key prefix (Ctrl+F)</source>
        <translation>Name oder Schlüsselpräfix suchen (Strg+F)</translation>
    </message>
    <message>
        <source>You have no API keys yet.
Create one with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Sie haben noch keine API-Schlüssel.
Legen Sie einen mit Strg+N an: Sein Geheimnis wird einmal angezeigt, danach bleibt nur sein Präfix.</translation>
    </message>
</context>
<context>
    <name>portcullis::AuditDetailsPanel</name>
    <message>
        <source>Event details</source>
        <translation>Ereignisdetails</translation>
    </message>
    <message>
        <source>Select an event to see all of its fields, its details and its hashes.</source>
        <translation>Wählen Sie ein Ereignis, um alle seine Felder, Details und Hashes zu sehen.</translation>
    </message>
    <message>
        <source>Event:</source>
        <translation>Ereignis:</translation>
    </message>
    <message>
        <source>Time:</source>
        <translation>Zeit:</translation>
    </message>
    <message>
        <source>UTC:</source>
        <translation>UTC:</translation>
    </message>
    <message>
        <source>Actor:</source>
        <translation>Akteur:</translation>
    </message>
    <message>
        <source>Actor type:</source>
        <translation>Akteurtyp:</translation>
    </message>
    <message>
        <source>Organization:</source>
        <translation>Organisation:</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>Aktion:</translation>
    </message>
    <message>
        <source>Resource:</source>
        <translation>Ressource:</translation>
    </message>
    <message>
        <source>Outcome:</source>
        <translation>Ergebnis:</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>IP-Adresse:</translation>
    </message>
    <message>
        <source>Previous hash:</source>
        <translation>Vorheriger Hash:</translation>
    </message>
    <message>
        <source>Hash:</source>
        <translation>Hash:</translation>
    </message>
    <message>
        <source>&amp;Details (JSON):</source>
        <translation>Details (&amp;JSON):</translation>
    </message>
    <message>
        <source>Event details as JSON</source>
        <translation>Ereignisdetails als JSON</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>(no details)</source>
        <translation>(keine Details)</translation>
    </message>
</context>
<context>
    <name>portcullis::AuditLogModel</name>
    <message>
        <source>(global)</source>
        <translation>(global)</translation>
    </message>
    <message>
        <source>system</source>
        <translation>System</translation>
    </message>
    <message>
        <source>API key #%1</source>
        <translation>API-Schlüssel #%1</translation>
    </message>
    <message>
        <source>API key #%1 of %2</source>
        <translation>API-Schlüssel #%1 von %2</translation>
    </message>
    <message>
        <source>Success</source>
        <translation>Erfolg</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Verweigert</translation>
    </message>
    <message>
        <source>Denied: %1</source>
        <translation>Verweigert: %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>IP-Adresse</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>The audit log changed while it was read; press F5</source>
        <translation>Das Audit-Protokoll hat sich beim Lesen geändert; drücken Sie F5</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
</context>
<context>
    <name>portcullis::AuditPane</name>
    <message>
        <source>Filter by actor</source>
        <translation>Nach Akteur filtern</translation>
    </message>
    <message>
        <source>Email, name or #id</source>
        <translation>E-Mail, Name oder #ID</translation>
    </message>
    <message>
        <source>An email, a user id (42 or #42), or part of a name that matches exactly one user</source>
        <translation>Eine E-Mail-Adresse, eine Benutzer-ID (42 oder #42) oder ein Namensteil, der genau einen Benutzer trifft</translation>
    </message>
    <message>
        <source>Filter by action</source>
        <translation>Nach Aktion filtern</translation>
    </message>
    <message>
        <source>An action such as user.banned, or a prefix ending in * such as user.*</source>
        <translation>Eine Aktion wie user.banned oder ein Präfix mit * am Ende wie user.*</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>Jede Aktion</translation>
    </message>
    <message>
        <source>Filter by resource type</source>
        <translation>Nach Ressourcentyp filtern</translation>
    </message>
    <message>
        <source>Any type</source>
        <translation>Jeder Typ</translation>
    </message>
    <message>
        <source>Filter by resource id</source>
        <translation>Nach Ressourcen-ID filtern</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Filter by outcome</source>
        <translation>Nach Ergebnis filtern</translation>
    </message>
    <message>
        <source>Any outcome</source>
        <translation>Jedes Ergebnis</translation>
    </message>
    <message>
        <source>Success</source>
        <translation>Erfolg</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Verweigert</translation>
    </message>
    <message>
        <source>Filter by IP address</source>
        <translation>Nach IP-Adresse filtern</translation>
    </message>
    <message>
        <source>Any address</source>
        <translation>Jede Adresse</translation>
    </message>
    <message>
        <source>Events from (inclusive)</source>
        <translation>Ereignisse ab (einschließlich)</translation>
    </message>
    <message>
        <source>Events before (exclusive)</source>
        <translation>Ereignisse vor (ausschließlich)</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren …</translation>
    </message>
    <message>
        <source>&amp;Verify integrity</source>
        <translation>Integrität &amp;prüfen</translation>
    </message>
    <message>
        <source>C&amp;lear filters</source>
        <translation>Filter &amp;leeren</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Only this &amp;actor</source>
        <translation>Nur dieser &amp;Akteur</translation>
    </message>
    <message>
        <source>Only this acti&amp;on</source>
        <translation>Nur diese Akti&amp;on</translation>
    </message>
    <message>
        <source>Only this &amp;resource</source>
        <translation>Nur diese &amp;Ressource</translation>
    </message>
    <message>
        <source>Only this &amp;IP address</source>
        <translation>Nur diese &amp;IP-Adresse</translation>
    </message>
    <message>
        <source>&amp;Actor:</source>
        <translation>A&amp;kteur:</translation>
    </message>
    <message>
        <source>&amp;Resource:</source>
        <translation>&amp;Ressource:</translation>
    </message>
    <message>
        <source>O&amp;utcome:</source>
        <translation>&amp;Ergebnis:</translation>
    </message>
    <message>
        <source>&amp;IP:</source>
        <translation>&amp;IP:</translation>
    </message>
    <message>
        <source>Audit events</source>
        <translation>Audit-Ereignisse</translation>
    </message>
    <message>
        <source>Could not load the audit log: %1</source>
        <translation>Das Audit-Protokoll konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Looking up “%1”…</source>
        <translation>„%1“ wird gesucht …</translation>
    </message>
    <message>
        <source>Actor “%1” is %2</source>
        <translation>Akteur „%1“ ist %2</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the audit log:
%1

Press F5 to try again.</source>
        <translation>Das Audit-Protokoll konnte nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message>
        <source>1 event</source>
        <translation>1 Ereignis</translation>
    </message>
    <message numerus="yes">
        <source>%Ln events</source>
        <translation>
            <numerusform>%Ln Ereignis</numerusform>
            <numerusform>%Ln Ereignisse</numerusform>
        </translation>
    </message>
    <message>
        <source>%1+ events (scroll for more)</source>
        <translation>%1+ Ereignisse (scrollen für mehr)</translation>
    </message>
    <message>
        <source>No event matches these filters.
Widen the date range or clear the filters (Ctrl+Shift+L).</source>
        <translation>Kein Ereignis passt zu diesen Filtern.
Erweitern Sie den Zeitraum oder leeren Sie die Filter (Strg+Umschalt+L).</translation>
    </message>
    <message>
        <source>The audit log is empty.
Every change and every refused attempt will be listed here.</source>
        <translation>Das Audit-Protokoll ist leer.
Jede Änderung und jeder abgewiesene Versuch wird hier aufgeführt.</translation>
    </message>
    <message>
        <source>An export is running</source>
        <translation>Ein Export läuft</translation>
    </message>
    <message>
        <source>Export every event that matches the filters to CSV or JSON Lines</source>
        <translation>Alle Ereignisse, die zu den Filtern passen, als CSV oder JSON Lines exportieren</translation>
    </message>
    <message>
        <source>The check is running</source>
        <translation>Die Prüfung läuft</translation>
    </message>
    <message>
        <source>Check the hash chain of the whole audit log</source>
        <translation>Die Hash-Kette des gesamten Audit-Protokolls prüfen</translation>
    </message>
    <message>
        <source>Select an event first</source>
        <translation>Wählen Sie zuerst ein Ereignis</translation>
    </message>
    <message>
        <source>Copied 1 event</source>
        <translation>1 Ereignis kopiert</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n events</source>
        <translation>
            <numerusform>%Ln Ereignis kopiert</numerusform>
            <numerusform>%Ln Ereignisse kopiert</numerusform>
        </translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>JSON Lines (*.jsonl)</source>
        <translation>JSON Lines (*.jsonl)</translation>
    </message>
    <message>
        <source>Export the audit log</source>
        <translation>Audit-Protokoll exportieren</translation>
    </message>
    <message>
        <source>Exporting the audit log to %1…</source>
        <translation>Audit-Protokoll wird nach %1 exportiert …</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>Cancelling the export…</source>
        <translation>Export wird abgebrochen …</translation>
    </message>
    <message>
        <source>Exporting the audit log to %1…
%2 events written</source>
        <translation>Audit-Protokoll wird nach %1 exportiert …
%2 Ereignisse geschrieben</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Export nach %1 …</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written</source>
        <translation>Export abgebrochen; es wurde keine Datei geschrieben</translation>
    </message>
    <message>
        <source>Exported %1 events to %2</source>
        <translation>%1 Ereignisse nach %2 exportiert</translation>
    </message>
    <message>
        <source>Checking the audit chain…</source>
        <translation>Audit-Kette wird geprüft …</translation>
    </message>
    <message>
        <source>Verify integrity</source>
        <translation>Integrität prüfen</translation>
    </message>
    <message>
        <source>Chain intact: %1 events</source>
        <translation>Kette intakt: %1 Ereignisse</translation>
    </message>
    <message>
        <source>Audit integrity</source>
        <translation>Audit-Integrität</translation>
    </message>
    <message>
        <source>Broken at event #%1: %2</source>
        <translation>Unterbrochen bei Ereignis #%1: %2</translation>
    </message>
    <message>
        <source>Audit Log</source>
        <translation>Audit-Protokoll</translation>
    </message>
    <message>
        <source>A&amp;ction:</source>
        <translation>Ak&amp;tion:</translation>
    </message>
    <message>
        <source>Only super admins verify the chain: it covers every organization</source>
        <translation>Nur Super-Admins prüfen die Kette: Sie umfasst alle Organisationen</translation>
    </message>
    <message>
        <source>The audit log could not be checked: %1</source>
        <translation>Das Audit-Protokoll konnte nicht geprüft werden: %1</translation>
    </message>
    <message>
        <source>Cancelling the integrity check…</source>
        <translation>Integritätsprüfung wird abgebrochen…</translation>
    </message>
    <message>
        <source>Integrity check cancelled</source>
        <translation>Integritätsprüfung abgebrochen</translation>
    </message>
    <message>
        <source>Time range</source>
        <translation>Zeitraum</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Beliebige Zeit</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Custom range</source>
        <translation>Eigener Zeitraum</translation>
    </message>
    <message>
        <source>A date and time as the list writes them, such as %1; a date alone means midnight</source>
        <translation>Datum und Uhrzeit so, wie die Liste sie schreibt, etwa %1; ein Datum allein bedeutet Mitternacht</translation>
    </message>
    <message>
        <source>any time</source>
        <translation>beliebige Zeit</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>Open this &amp;user</source>
        <translation>&amp;Benutzer öffnen</translation>
    </message>
    <message>
        <source>Open this or&amp;ganization</source>
        <translation>&amp;Organisation öffnen</translation>
    </message>
    <message>
        <source>Fro&amp;m:</source>
        <translation>&amp;Von:</translation>
    </message>
    <message>
        <source>T&amp;o:</source>
        <translation>Bi&amp;s:</translation>
    </message>
    <message>
        <source>“%1” is not a date the console reads: type it as the list writes dates, such as %2. The list still shows the previous range.</source>
        <translation>„%1“ ist kein Datum, das die Konsole lesen kann: Schreiben Sie es so, wie die Liste Daten schreibt, etwa %2. Die Liste zeigt weiter den bisherigen Zeitraum.</translation>
    </message>
    <message>
        <source>“From” must be before “To”. The list still shows the previous range.</source>
        <translation>„Von“ muss vor „Bis“ liegen. Die Liste zeigt weiter den bisherigen Zeitraum.</translation>
    </message>
    <message>
        <source>Open &amp;user %1</source>
        <translation>&amp;Benutzer %1 öffnen</translation>
    </message>
    <message>
        <source>The event names no user</source>
        <translation>Das Ereignis nennt keinen Benutzer</translation>
    </message>
    <message>
        <source>Open or&amp;ganization %1</source>
        <translation>&amp;Organisation %1 öffnen</translation>
    </message>
    <message>
        <source>The event belongs to no organization</source>
        <translation>Das Ereignis gehört zu keiner Organisation</translation>
    </message>
    <message>
        <source>&amp;When:</source>
        <translation>&amp;Zeitraum:</translation>
    </message>
    <message>
        <source>Follo&amp;w</source>
        <translation>Verfol&amp;gen</translation>
    </message>
    <message>
        <source>Show new events as they happen (checks every %1 seconds)</source>
        <translation>Neue Ereignisse anzeigen, sobald sie eintreten (prüft alle %1 Sekunden)</translation>
    </message>
    <message>
        <source>Not following: clear the end date to see new events.</source>
        <translation>Verfolgen nicht möglich: Entfernen Sie das Enddatum, um neue Ereignisse zu sehen.</translation>
    </message>
    <message>
        <source>Stopped following: you scrolled away from the newest events.</source>
        <translation>Verfolgen beendet: Sie haben von den neuesten Ereignissen weggescrollt.</translation>
    </message>
    <message>
        <source>Stopped following: the list ends at a date.</source>
        <translation>Verfolgen beendet: Die Liste endet an einem Datum.</translation>
    </message>
    <message>
        <source>Stopped following: the audit log could not be read.</source>
        <translation>Verfolgen beendet: Das Audit-Protokoll konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <source>Only the events this user took part in, as actor or as target. Click to remove this filter.</source>
        <translation>Nur die Ereignisse, an denen dieser Benutzer beteiligt war, als Akteur oder als Ziel. Klicken, um diesen Filter zu entfernen.</translation>
    </message>
    <message>
        <source>Involving %1 ✕</source>
        <translation>Beteiligt: %1 ✕</translation>
    </message>
    <message>
        <source>Remove the filter: events involving %1</source>
        <translation>Filter entfernen: Ereignisse mit Beteiligung von %1</translation>
    </message>
</context>
<context>
    <name>portcullis::BanDialog</name>
    <message>
        <source>Ban %1</source>
        <translation>%1 sperren</translation>
    </message>
    <message numerus="yes">
        <source>Ban %n user(s)</source>
        <translation>
            <numerusform>%Ln Benutzer sperren</numerusform>
            <numerusform>%Ln Benutzer sperren</numerusform>
        </translation>
    </message>
    <message>
        <source>A banned user cannot sign in, and all of their sessions end now.</source>
        <translation>Ein gesperrter Benutzer kann sich nicht anmelden, und alle seine Sitzungen enden jetzt.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Why? The reason is shown to admins and recorded in the audit log.</source>
        <translation>Warum? Der Grund wird Administratoren angezeigt und im Audit-Protokoll festgehalten.</translation>
    </message>
    <message>
        <source>&amp;Lift the ban automatically on</source>
        <translation>Sperre automatisch &amp;aufheben am</translation>
    </message>
    <message>
        <source>Ban ends</source>
        <translation>Ende der Sperre</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Grund:</translation>
    </message>
    <message>
        <source>&amp;Ban</source>
        <translation>&amp;Sperren</translation>
    </message>
    <message>
        <source>&amp;Preview…</source>
        <translation>&amp;Vorschau …</translation>
    </message>
</context>
<context>
    <name>portcullis::BulkActionDialog</name>
    <message numerus="yes">
        <source>%1 — %n user(s). Check the list, then run.</source>
        <translation>
            <numerusform>%1 – %Ln Benutzer. Prüfen Sie die Liste und führen Sie dann aus.</numerusform>
            <numerusform>%1 – %Ln Benutzer. Prüfen Sie die Liste und führen Sie dann aus.</numerusform>
        </translation>
    </message>
    <message>
        <source>Users and results</source>
        <translation>Benutzer und Ergebnisse</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Aktuell</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Not run yet</source>
        <translation>Noch nicht ausgeführt</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>&amp;Ausführen</translation>
    </message>
    <message>
        <source>%1 succeeded, %2 failed</source>
        <translation>%1 erfolgreich, %2 fehlgeschlagen</translation>
    </message>
    <message>
        <source>running…</source>
        <translation>läuft …</translation>
    </message>
    <message>
        <source>done</source>
        <translation>erledigt</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1 of %2 done</source>
        <translation>%1 von %2 erledigt</translation>
    </message>
</context>
<context>
    <name>portcullis::ConnectDialog</name>
    <message>
        <source>Connect to Portcullis</source>
        <translation>Mit Portcullis verbinden</translation>
    </message>
    <message>
        <source>Saved connection</source>
        <translation>Gespeicherte Verbindung</translation>
    </message>
    <message>
        <source>Kind of connection</source>
        <translation>Art der Verbindung</translation>
    </message>
    <message>
        <source>Local database file (SQLite)</source>
        <translation>Lokale Datenbankdatei (SQLite)</translation>
    </message>
    <message>
        <source>PostgreSQL server</source>
        <translation>PostgreSQL-Server</translation>
    </message>
    <message>
        <source>Portcullis REST server</source>
        <translation>Portcullis-REST-Server</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Durchsuchen …</translation>
    </message>
    <message>
        <source>Email or username</source>
        <translation>E-Mail-Adresse oder Benutzername</translation>
    </message>
    <message>
        <source>admin@example.com</source>
        <translation>admin@example.com</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Kept by the operating system&apos;s keychain, never in Portcullis&apos; settings</source>
        <translation>Vom Schlüsselbund des Betriebssystems verwahrt, nie in den Einstellungen von Portcullis</translation>
    </message>
    <message>
        <source>&amp;Forget saved credentials</source>
        <translation>Gespeicherte Anmeldedaten &amp;löschen</translation>
    </message>
    <message>
        <source>&amp;Saved:</source>
        <translation>&amp;Gespeichert:</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Art:</translation>
    </message>
    <message>
        <source>&amp;Location:</source>
        <translation>&amp;Ort:</translation>
    </message>
    <message>
        <source>&amp;Email or username:</source>
        <translation>&amp;E-Mail oder Benutzername:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>New connection</source>
        <translation>Neue Verbindung</translation>
    </message>
    <message>
        <source>Forgot the saved password of %1</source>
        <translation>Gespeichertes Passwort von %1 gelöscht</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbindung wird hergestellt …</translation>
    </message>
    <message>
        <source>/path/to/portcullis.db</source>
        <translation>/pfad/zu/portcullis.db</translation>
    </message>
    <message>
        <source>A SQLite database file. A file that does not exist yet can be created.</source>
        <translation>Eine SQLite-Datenbankdatei. Eine Datei, die noch nicht existiert, kann angelegt werden.</translation>
    </message>
    <message>
        <source>postgresql://user:password@host:5432/database</source>
        <translation>postgresql://benutzer:passwort@host:5432/datenbank</translation>
    </message>
    <message>
        <source>A PostgreSQL database initialised with portcullis-server init</source>
        <translation>Eine PostgreSQL-Datenbank, mit portcullis-server init eingerichtet</translation>
    </message>
    <message>
        <source>https://iam.example.com</source>
        <translation>https://iam.example.com</translation>
    </message>
    <message>
        <source>The address of a portcullis-server</source>
        <translation>Die Adresse eines portcullis-server</translation>
    </message>
    <message>
        <source>Database file</source>
        <translation>Datenbankdatei</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.db *.sqlite);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Trusted certificate authority file</source>
        <translation>Datei der vertrauenswürdigen Zertifizierungsstelle</translation>
    </message>
    <message>
        <source>Optional: a PEM file, for a server with a private CA</source>
        <translation>Optional: eine PEM-Datei für einen Server mit privater CA</translation>
    </message>
    <message>
        <source>Certificates in this PEM file are trusted for the server&apos;s TLS certificate, besides the system&apos;s. Leave empty for a server with a publicly trusted certificate.</source>
        <translation>Zertifikaten in dieser PEM-Datei wird für das TLS-Zertifikat des Servers zusätzlich zu denen des Systems vertraut. Leer lassen für einen Server mit einem öffentlich vertrauenswürdigen Zertifikat.</translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation>D&amp;urchsuchen …</translation>
    </message>
    <message>
        <source>Browse for the certificate authority file</source>
        <translation>Nach der Datei der Zertifizierungsstelle suchen</translation>
    </message>
    <message>
        <source>Re&amp;member the password in the system keychain</source>
        <translation>Passwort im Schlüssel&amp;bund des Systems speichern</translation>
    </message>
    <message>
        <source>Trusted certificate authority</source>
        <translation>Vertrauenswürdige Zertifizierungsstelle</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>PEM-Zertifikate (*.pem *.crt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Remember &amp;this connection (never the password)</source>
        <translation>Diese Verbindung &amp;merken (nie das Passwort)</translation>
    </message>
    <message>
        <source>Trusted C&amp;A:</source>
        <translation>Vertrauenswürdige &amp;CA:</translation>
    </message>
    <message>
        <source>better-auth server</source>
        <translation>better-auth-Server</translation>
    </message>
    <message>
        <source>https://app.example.com/api/auth</source>
        <translation>https://app.example.com/api/auth</translation>
    </message>
    <message>
        <source>The base path of a better-auth server with the admin plugin (where /ok answers)</source>
        <translation>Der Basispfad eines better-auth-Servers mit dem Admin-Plugin (dort, wo /ok antwortet)</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail-Adresse</translation>
    </message>
</context>
<context>
    <name>portcullis::DashboardPane</name>
    <message>
        <source>Overview</source>
        <translation>Überblick</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Every user that is not deleted</source>
        <translation>Jeder Benutzer, der nicht gelöscht ist</translation>
    </message>
    <message>
        <source>Active users</source>
        <translation>Aktive Benutzer</translation>
    </message>
    <message>
        <source>Users who may sign in: not suspended and not banned</source>
        <translation>Benutzer, die sich anmelden dürfen: weder deaktiviert noch gesperrt</translation>
    </message>
    <message>
        <source>Banned</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <source>Users under a ban that has not expired</source>
        <translation>Benutzer mit einer Sperre, die noch nicht abgelaufen ist</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>Users suspended until an admin reactivates them</source>
        <translation>Benutzer, die deaktiviert sind, bis ein Administrator sie reaktiviert</translation>
    </message>
    <message>
        <source>Active sessions</source>
        <translation>Aktive Sitzungen</translation>
    </message>
    <message>
        <source>Sessions neither revoked nor expired</source>
        <translation>Sitzungen, die weder widerrufen noch abgelaufen sind</translation>
    </message>
    <message>
        <source>Active API keys</source>
        <translation>Aktive API-Schlüssel</translation>
    </message>
    <message>
        <source>API keys neither revoked nor expired</source>
        <translation>API-Schlüssel, die weder widerrufen noch abgelaufen sind</translation>
    </message>
    <message>
        <source>Events in 24 h</source>
        <translation>Ereignisse in 24 h</translation>
    </message>
    <message>
        <source>Audit events written in the last 24 hours</source>
        <translation>In den letzten 24 Stunden geschriebene Audit-Ereignisse</translation>
    </message>
    <message>
        <source>Activity per day over the last %1 days (UTC)</source>
        <translation>Aktivität pro Tag in den letzten %1 Tagen (UTC)</translation>
    </message>
    <message>
        <source>Sign-ins, failed sign-ins and admin actions per day</source>
        <translation>Anmeldungen, fehlgeschlagene Anmeldungen und Admin-Aktionen pro Tag</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Could not load the statistics:
%1

Press F5 to try again.</source>
        <translation>Die Statistik konnte nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message>
        <source>Could not load the statistics: %1</source>
        <translation>Die Statistik konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Could not load the activity:
%1

Press F5 to try again.</source>
        <translation>Die Aktivität konnte nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message>
        <source>Could not load the activity: %1</source>
        <translation>Die Aktivität konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Updated %1 · F5 to refresh</source>
        <translation>Stand %1 · F5 aktualisiert</translation>
    </message>
    <message>
        <source>No activity to show yet.</source>
        <translation>Noch keine Aktivität.</translation>
    </message>
    <message>
        <source>Sign-ins</source>
        <translation>Anmeldungen</translation>
    </message>
    <message>
        <source>Failed sign-ins</source>
        <translation>Fehlgeschlagene Anmeldungen</translation>
    </message>
    <message>
        <source>Admin actions</source>
        <translation>Admin-Aktionen</translation>
    </message>
    <message>
        <source>d MMM</source>
        <extracomment>Date format of the dashboard chart&apos;s axis (QDateTime format: day and short month)</extracomment>
        <translation>d. MMM</translation>
    </message>
    <message>
        <source>Events per day</source>
        <translation>Ereignisse pro Tag</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Click to open the list.</source>
        <translation>Klicken, um die Liste zu öffnen.</translation>
    </message>
    <message>
        <source>Could not read when maintenance last ran: %1</source>
        <translation>Der letzte Wartungslauf konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>Maintenance has not run yet. Servers run it every hour; super admins can run it now with Tools &gt; Run maintenance.</source>
        <translation>Die Wartung ist noch nicht gelaufen. Server führen sie stündlich aus; Super-Admins können sie jetzt mit Werkzeuge &gt; Wartung ausführen starten.</translation>
    </message>
    <message>
        <source>on the server&apos;s schedule</source>
        <translation>nach dem Zeitplan des Servers</translation>
    </message>
    <message>
        <source>from a console</source>
        <translation>von einer Konsole</translation>
    </message>
    <message>
        <source>Maintenance last ran %1 (%2) and failed: %3</source>
        <translation>Die Wartung lief zuletzt am %1 (%2) und schlug fehl: %3</translation>
    </message>
    <message>
        <source>Maintenance last ran %1 (%2): removed %3 sessions, %4 tokens, %5 invitations and %6 audit events.</source>
        <translation>Die Wartung lief zuletzt am %1 (%2): %3 Sitzungen, %4 Tokens, %5 Einladungen und %6 Audit-Ereignisse entfernt.</translation>
    </message>
</context>
<context>
    <name>portcullis::DeploymentSettingsDialog</name>
    <message>
        <source>Deployment settings</source>
        <translation>Bereitstellungseinstellungen</translation>
    </message>
    <message>
        <source>These settings apply to every server and console of this deployment. Servers pick up a change within a few seconds; each change is recorded in the audit log.</source>
        <translation>Diese Einstellungen gelten für alle Server und Konsolen dieser Bereitstellung. Server übernehmen eine Änderung innerhalb weniger Sekunden; jede Änderung wird im Audit-Protokoll festgehalten.</translation>
    </message>
    <message>
        <source>Sign-in</source>
        <translation>Anmeldung</translation>
    </message>
    <message>
        <source>&amp;Access token lifetime:</source>
        <translation>Gültigkeit des &amp;Zugriffstokens:</translation>
    </message>
    <message>
        <source>&amp;Refresh token lifetime:</source>
        <translation>Gültigkeit des Aktualisierungs&amp;tokens:</translation>
    </message>
    <message>
        <source>Passwords and lockout</source>
        <translation>Passwörter und Sperre</translation>
    </message>
    <message>
        <source>&amp;Minimum password length:</source>
        <translation>&amp;Mindestlänge des Passworts:</translation>
    </message>
    <message>
        <source>&amp;Lock after wrong passwords:</source>
        <translation>Sperren &amp;nach falschen Passwörtern:</translation>
    </message>
    <message>
        <source>Lock &amp;duration:</source>
        <translation>Sperr&amp;dauer:</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>Impersonation</source>
        <translation>Identitätswechsel</translation>
    </message>
    <message>
        <source>Default: on</source>
        <translation>Standard: ein</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>&amp;Keep audit events for:</source>
        <translation>Audit-Ereignisse &amp;aufbewahren für:</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>Einladungen</translation>
    </message>
    <message>
        <source>In&amp;vitations valid for:</source>
        <translation>Einladungen gültig &amp;für:</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>Put every field back to its default; nothing is saved until you save</source>
        <translation>Jedes Feld auf seinen Standardwert zurücksetzen; gespeichert wird erst beim Speichern</translation>
    </message>
    <message>
        <source> minutes</source>
        <translation> Minuten</translation>
    </message>
    <message numerus="yes">
        <source>Default: %n minute(s)</source>
        <translation>
            <numerusform>Standard: %n Minute</numerusform>
            <numerusform>Standard: %n Minuten</numerusform>
        </translation>
    </message>
    <message>
        <source> hours</source>
        <translation> Stunden</translation>
    </message>
    <message numerus="yes">
        <source>Default: %1 hours (%n day(s))</source>
        <translation>
            <numerusform>Standard: %1 Stunden (%n Tag)</numerusform>
            <numerusform>Standard: %1 Stunden (%n Tage)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Default: %n hour(s)</source>
        <translation>
            <numerusform>Standard: %n Stunde</numerusform>
            <numerusform>Standard: %n Stunden</numerusform>
        </translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message numerus="yes">
        <source>Default: %n day(s)</source>
        <translation>
            <numerusform>Standard: %n Tag</numerusform>
            <numerusform>Standard: %n Tage</numerusform>
        </translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation>Standard: %1</translation>
    </message>
    <message>
        <source> characters</source>
        <translation> Zeichen</translation>
    </message>
    <message>
        <source> in a row</source>
        <translation> in Folge</translation>
    </message>
    <message>
        <source> requests/min</source>
        <translation> Anfragen/Min.</translation>
    </message>
    <message>
        <source>Keep forever</source>
        <translation>Für immer behalten</translation>
    </message>
    <message>
        <source>Default: keep forever</source>
        <translation>Standard: für immer behalten</translation>
    </message>
    <message>
        <source>0 (keep forever), or %1 to %2</source>
        <translation>0 (für immer behalten) oder %1 bis %2</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 bis %2</translation>
    </message>
    <message>
        <source>Default ra&amp;te limit:</source>
        <translation>Standard-Ratenbe&amp;grenzung:</translation>
    </message>
    <message>
        <source>Lon&amp;gest impersonation:</source>
        <translation>Längster Identitäts&amp;wechsel:</translation>
    </message>
    <message>
        <source>Restore de&amp;faults</source>
        <translation>Standardwerte wieder&amp;herstellen</translation>
    </message>
    <message>
        <source>Super admins may impersonate users</source>
        <translation>Super-Admins dürfen in die Identität von Benutzern wechseln</translation>
    </message>
    <message>
        <source>All&amp;owed:</source>
        <translation>&amp;Erlaubt:</translation>
    </message>
</context>
<context>
    <name>portcullis::FirstRunDialog</name>
    <message>
        <source>Create a new Portcullis database</source>
        <translation>Neue Portcullis-Datenbank anlegen</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; does not exist yet. Portcullis will create it with the built-in roles and permissions, a first organization and you as its super admin.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; existiert noch nicht. Portcullis legt die Datei mit den integrierten Rollen und Berechtigungen, einer ersten Organisation und Ihnen als Super-Admin an.</translation>
    </message>
    <message>
        <source>My Organization</source>
        <translation>Meine Organisation</translation>
    </message>
    <message>
        <source>Organization name</source>
        <translation>Name der Organisation</translation>
    </message>
    <message>
        <source>Super admin email</source>
        <translation>E-Mail-Adresse des Super-Admins</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation>Passwort wiederholen</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>Super admin &amp;email:</source>
        <translation>&amp;E-Mail-Adresse des Super-Admins:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <source>C&amp;reate database</source>
        <translation>Datenbank &amp;anlegen</translation>
    </message>
    <message>
        <source>The two passwords differ</source>
        <translation>Die beiden Passwörter unterscheiden sich</translation>
    </message>
    <message>
        <source>Enter a valid email address</source>
        <translation>Geben Sie eine gültige E-Mail-Adresse ein</translation>
    </message>
    <message>
        <source>Name the organization</source>
        <translation>Benennen Sie die Organisation</translation>
    </message>
    <message>
        <source>✓ Ready</source>
        <translation>✓ Bereit</translation>
    </message>
    <message>
        <source>Repeat pass&amp;word:</source>
        <translation>Passwort &amp;wiederholen:</translation>
    </message>
</context>
<context>
    <name>portcullis::ImpersonateDialog</name>
    <message>
        <source>Impersonate %1</source>
        <translation>Identität von %1 übernehmen</translation>
    </message>
    <message>
        <source>&lt;b&gt;You are about to act as %1.&lt;/b&gt;&lt;br&gt;Everything you do in this session is done in their name and recorded in the audit log together with your account and the reason below. The session is marked as impersonated wherever it appears, and it ends by itself after the duration you choose.</source>
        <translation>&lt;b&gt;Sie sind dabei, als %1 zu handeln.&lt;/b&gt;&lt;br&gt;Alles, was Sie in dieser Sitzung tun, geschieht in diesem Namen und wird zusammen mit Ihrem Konto und dem unten angegebenen Grund im Audit-Protokoll festgehalten. Die Sitzung ist überall, wo sie erscheint, als Identitätsübernahme gekennzeichnet und endet von selbst nach der gewählten Dauer.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Why, e.g. the support ticket you are working on (required)</source>
        <translation>Warum, z. B. das Support-Ticket, an dem Sie arbeiten (erforderlich)</translation>
    </message>
    <message>
        <source>Duration in minutes</source>
        <translation>Dauer in Minuten</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Grund:</translation>
    </message>
    <message>
        <source>&amp;Duration:</source>
        <translation>&amp;Dauer:</translation>
    </message>
    <message>
        <source>&amp;Impersonate</source>
        <translation>&amp;Identität übernehmen</translation>
    </message>
    <message>
        <source>Impersonation session for %1</source>
        <translation>Sitzung mit der Identität von %1</translation>
    </message>
    <message>
        <source>Use this session token to act as %1 until %2. Every action is audited with your name.</source>
        <translation>Verwenden Sie dieses Sitzungstoken, um bis %2 als %1 zu handeln. Jede Aktion wird mit Ihrem Namen protokolliert.</translation>
    </message>
    <message>
        <source>&lt;b&gt;You are about to act as %1.&lt;/b&gt;&lt;br&gt;Everything you do in this session is done in their name. The session is marked as impersonated wherever it appears, and it ends by itself.</source>
        <translation>&lt;b&gt;Sie sind dabei, als %1 zu handeln.&lt;/b&gt;&lt;br&gt;Alles, was Sie in dieser Sitzung tun, geschieht in diesem Namen. Die Sitzung ist überall, wo sie erscheint, als Identitätsübernahme gekennzeichnet und endet von selbst.</translation>
    </message>
    <message>
        <source>Use this session token to act as %1 until %2.</source>
        <translation>Verwenden Sie dieses Sitzungstoken, um bis %2 als %1 zu handeln.</translation>
    </message>
</context>
<context>
    <name>portcullis::InvitationDialog</name>
    <message>
        <source>Invite into %1</source>
        <translation>In %1 einladen</translation>
    </message>
    <message>
        <source>Email of the invitee</source>
        <translation>E-Mail-Adresse der eingeladenen Person</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>name@example.com</translation>
    </message>
    <message>
        <source>Role of the invitee</source>
        <translation>Rolle der eingeladenen Person</translation>
    </message>
    <message>
        <source>%1 — %2 (level %3)</source>
        <translation>%1 – %2 (Stufe %3)</translation>
    </message>
    <message>
        <source>Roles below your level (%1)</source>
        <translation>Rollen unter Ihrer Stufe (%1)</translation>
    </message>
    <message>
        <source>Days the invitation is valid</source>
        <translation>Tage, die die Einladung gültig ist</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-Mail:</translation>
    </message>
    <message>
        <source>&amp;Role:</source>
        <translation>&amp;Rolle:</translation>
    </message>
    <message>
        <source>&amp;Valid for:</source>
        <translation>&amp;Gültig für:</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>Ein&amp;laden</translation>
    </message>
    <message>
        <source>There is no role below your level to invite with</source>
        <translation>Es gibt keine Rolle unter Ihrer Stufe, mit der Sie einladen können</translation>
    </message>
    <message>
        <source>The invitee receives a one-time token that creates their account in %1 with the role you choose. It counts against the plan&apos;s user limit while pending.</source>
        <translation>Die eingeladene Person erhält ein einmaliges Token, das ihr Konto in %1 mit der gewählten Rolle anlegt. Solange die Einladung aussteht, zählt sie zum Benutzerlimit des Tarifs.</translation>
    </message>
    <message>
        <source>Deployment default</source>
        <translation>Standard der Bereitstellung</translation>
    </message>
    <message>
        <source>The member&apos;s role name, as the server knows it (e.g. member, admin, owner)</source>
        <translation>Der Rollenname des Mitglieds, wie der Server ihn kennt (z. B. member, admin, owner)</translation>
    </message>
    <message>
        <source>The server sends the invitation to join %1 with the role you choose.</source>
        <translation>Der Server verschickt die Einladung, %1 mit der gewählten Rolle beizutreten.</translation>
    </message>
</context>
<context>
    <name>portcullis::InvitationListModel</name>
    <message>
        <source>Pending</source>
        <translation>Ausstehend</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Angenommen</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Expires %1</source>
        <translation>Ablauf: %1</translation>
    </message>
    <message>
        <source>Accepted %1</source>
        <translation>Angenommen: %1</translation>
    </message>
    <message>
        <source>Sent %1</source>
        <translation>Gesendet: %1</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
</context>
<context>
    <name>portcullis::Launcher</name>
    <message>
        <source>Cannot read the password file %1: %2</source>
        <translation>Die Passwortdatei %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The password file %1 is empty</source>
        <translation>Die Passwortdatei %1 ist leer</translation>
    </message>
    <message>
        <source>Keychain unavailable</source>
        <translation>Schlüsselbund nicht verfügbar</translation>
    </message>
    <message>
        <source>%1 is not a server address; give one like https://iam.example.com</source>
        <translation>%1 ist keine Serveradresse; geben Sie eine wie https://iam.example.com an</translation>
    </message>
    <message>
        <source>--screenshot needs --user and --password-file</source>
        <translation>--screenshot braucht --user und --password-file</translation>
    </message>
    <message>
        <source>--screenshot needs --db, --user and --password-file</source>
        <translation>--screenshot braucht --db, --user und --password-file</translation>
    </message>
    <message>
        <source>The database file %1 does not exist</source>
        <translation>Die Datenbankdatei %1 existiert nicht</translation>
    </message>
    <message>
        <source>Creating the database…</source>
        <translation>Datenbank wird angelegt …</translation>
    </message>
    <message>
        <source>Super Admin</source>
        <translation>Super-Admin</translation>
    </message>
    <message>
        <source>Could not create the database: %1</source>
        <translation>Die Datenbank konnte nicht angelegt werden: %1</translation>
    </message>
    <message>
        <source>Sign-in refused: %1</source>
        <translation>Anmeldung abgelehnt: %1</translation>
    </message>
    <message>
        <source>%1 has no administrative permissions; the console is for admins</source>
        <translation>%1 hat keine Administrationsrechte; die Konsole ist für Administratoren</translation>
    </message>
    <message>
        <source>Unknown pane %1; choose one of %2</source>
        <translation>Unbekannter Bereich %1; wählen Sie einen aus %2</translation>
    </message>
    <message>
        <source>Unknown pane</source>
        <translation>Unbekannter Bereich</translation>
    </message>
    <message>
        <source>Cannot write the screenshot %1</source>
        <translation>Der Screenshot %1 kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>The %1 pane did not show its data within %2 s</source>
        <translation>Der Bereich %1 hat seine Daten nicht innerhalb von %2 s angezeigt</translation>
    </message>
    <message>
        <source>Cannot sign in: %1</source>
        <translation>Anmeldung nicht möglich: %1</translation>
    </message>
    <message>
        <source>The dialog %1 cannot open on this pane for this admin</source>
        <translation>Der Dialog %1 kann in diesem Bereich für diesen Administrator nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Unknown dialog %1; choose one of %2</source>
        <translation>Unbekannter Dialog %1; wählen Sie einen von %2</translation>
    </message>
    <message>
        <source>The dialog %1 closed before it could be saved</source>
        <translation>Der Dialog %1 wurde geschlossen, bevor er gespeichert werden konnte</translation>
    </message>
    <message>
        <source>The dialog %1 did not show its data within %2 s</source>
        <translation>Der Dialog %1 hat seine Daten nicht innerhalb von %2 s angezeigt</translation>
    </message>
    <message>
        <source>Unknown kind of server %1; choose portcullis or better-auth</source>
        <translation>Unbekannte Serverart %1; wählen Sie portcullis oder better-auth</translation>
    </message>
    <message>
        <source>%1 is not a better-auth address; give its base path, like https://app.example.com/api/auth</source>
        <translation>%1 ist keine better-auth-Adresse; geben Sie ihren Basispfad an, etwa https://app.example.com/api/auth</translation>
    </message>
</context>
<context>
    <name>portcullis::ListPane</name>
    <message>
        <source>%1 in %2</source>
        <comment>a count or heading, then the tenant: 12 users in Contoso</comment>
        <translation>%1 in %2</translation>
    </message>
</context>
<context>
    <name>portcullis::MainWindow</name>
    <message>
        <source>Portcullis</source>
        <translation>Portcullis</translation>
    </message>
    <message>
        <source>Sections</source>
        <translation>Bereiche</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>no role</source>
        <translation>keine Rolle</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2)</source>
        <translation>Angemeldet als %1 (%2)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Hauptleiste</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>All tenants</source>
        <translation>Alle Organisationen</translation>
    </message>
    <message>
        <source>Show the data of one tenant or of all of them</source>
        <translation>Die Daten einer Organisation oder aller Organisationen anzeigen</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Meine Organisation</translation>
    </message>
    <message>
        <source>Only super admins can look at other tenants</source>
        <translation>Nur Super-Admins können andere Organisationen ansehen</translation>
    </message>
    <message>
        <source>Signing out…</source>
        <translation>Abmelden …</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>&amp;Suchen …</translation>
    </message>
    <message>
        <source>&amp;New…</source>
        <translation>&amp;Neu …</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen …</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Sign &amp;Out</source>
        <translation>&amp;Abmelden</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Tastenkürzel</translation>
    </message>
    <message>
        <source>&amp;About Portcullis</source>
        <translation>Ü&amp;ber Portcullis</translation>
    </message>
    <message>
        <source>About Portcullis</source>
        <translation>Über Portcullis</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Portcullis %1&lt;/h3&gt;&lt;p&gt;Admin console for multi-tenant auth.&lt;/p&gt;&lt;p&gt;Connected to %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Portcullis %1&lt;/h3&gt;&lt;p&gt;Verwaltungskonsole für mandantenfähige Authentifizierung.&lt;/p&gt;&lt;p&gt;Verbunden mit %2.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>%1 — Portcullis</source>
        <translation>%1 – Portcullis</translation>
    </message>
    <message>
        <source>Could not load the tenants: %1</source>
        <translation>Die Organisationen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <source>The language changes the next time Portcullis starts</source>
        <translation>Die Sprache ändert sich beim nächsten Start von Portcullis</translation>
    </message>
    <message>
        <source>Your roles changed: you now act as %1 (level %2)</source>
        <translation>Ihre Rollen haben sich geändert: Sie handeln jetzt als %1 (Stufe %2)</translation>
    </message>
    <message>
        <source>Connection problem</source>
        <translation>Verbindungsproblem</translation>
    </message>
    <message>
        <source>Retry &amp;Now</source>
        <translation>&amp;Jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Retry the connection now</source>
        <translation>Verbindung jetzt erneut versuchen</translation>
    </message>
    <message>
        <source>Cannot reach %1</source>
        <translation>%1 ist nicht erreichbar</translation>
    </message>
    <message>
        <source>Connection lost: %1</source>
        <translation>Verbindung verloren: %1</translation>
    </message>
    <message>
        <source>Connected again to %1</source>
        <translation>Wieder verbunden mit %1</translation>
    </message>
    <message>
        <source>Trying to reconnect…</source>
        <translation>Verbindung wird wiederhergestellt …</translation>
    </message>
    <message numerus="yes">
        <source>Retrying in %n second(s). What you entered is kept; the lists show what was last loaded.</source>
        <translation>
            <numerusform>Neuer Versuch in %n Sekunde. Ihre Eingaben bleiben erhalten; die Listen zeigen den zuletzt geladenen Stand.</numerusform>
            <numerusform>Neuer Versuch in %n Sekunden. Ihre Eingaben bleiben erhalten; die Listen zeigen den zuletzt geladenen Stand.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;User Guide</source>
        <translation>&amp;Benutzerhandbuch</translation>
    </message>
    <message>
        <source>&amp;Import Users…</source>
        <translation>Benutzer &amp;importieren…</translation>
    </message>
    <message>
        <source>&amp;Export Users…</source>
        <translation>Benutzer e&amp;xportieren…</translation>
    </message>
    <message>
        <source>Deplo&amp;yment settings…</source>
        <translation>&amp;Bereitstellungseinstellungen…</translation>
    </message>
    <message>
        <source>Deployment settings saved</source>
        <translation>Bereitstellungseinstellungen gespeichert</translation>
    </message>
    <message>
        <source>Tool&amp;s</source>
        <translation>&amp;Werkzeuge</translation>
    </message>
    <message>
        <source>Run &amp;maintenance…</source>
        <translation>&amp;Wartung ausführen…</translation>
    </message>
    <message>
        <source>Run maintenance</source>
        <translation>Wartung ausführen</translation>
    </message>
    <message>
        <source>Remove expired sessions, used or expired one-time tokens and invitations, and audit events older than the retention set in Deployment settings? Servers also do this on their own schedule.</source>
        <translation>Abgelaufene Sitzungen, benutzte oder abgelaufene Einmal-Tokens und Einladungen sowie Audit-Ereignisse, die älter als die in den Bereitstellungseinstellungen festgelegte Aufbewahrung sind, entfernen? Server tun dies auch nach ihrem eigenen Zeitplan.</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>&amp;Ausführen</translation>
    </message>
    <message>
        <source>Running maintenance…</source>
        <translation>Wartung läuft…</translation>
    </message>
    <message>
        <source>Maintenance did not finish: %1</source>
        <translation>Die Wartung wurde nicht abgeschlossen: %1</translation>
    </message>
    <message>
        <source>Maintenance removed %1 sessions, %2 tokens, %3 invitations and %4 audit events.</source>
        <translation>Die Wartung hat %1 Sitzungen, %2 Tokens, %3 Einladungen und %4 Audit-Ereignisse entfernt.</translation>
    </message>
    <message>
        <source>Whole deployment</source>
        <translation>Gesamte Installation</translation>
    </message>
    <message>
        <source>Users of this server do not belong to one organization: every pane shows the whole deployment</source>
        <translation>Benutzer dieses Servers gehören zu keiner einzelnen Organisation: Jeder Bereich zeigt die gesamte Installation</translation>
    </message>
    <message>
        <source>This server cannot do this.</source>
        <translation>Dieser Server kann das nicht.</translation>
    </message>
</context>
<context>
    <name>portcullis::MessageBox</name>
    <message>
        <source>Discard changes?</source>
        <translation>Änderungen verwerfen?</translation>
    </message>
    <message>
        <source>What you typed in this form is not saved. Discard it, or keep editing?</source>
        <translation>Was Sie in dieses Formular eingegeben haben, ist nicht gespeichert. Verwerfen oder weiter bearbeiten?</translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <source>&amp;Keep editing</source>
        <translation>&amp;Weiter bearbeiten</translation>
    </message>
</context>
<context>
    <name>portcullis::MoveUserDialog</name>
    <message>
        <source>Move %1 to another organization</source>
        <translation>%1 in eine andere Organisation verschieben</translation>
    </message>
    <message>
        <source>Destination organization</source>
        <translation>Zielorganisation</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>Seats:</source>
        <translation>Plätze:</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;Verschieben</translation>
    </message>
    <message>
        <source>%1 belongs to organization #%2.</source>
        <translation>%1 gehört zur Organisation #%2.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>%1 belongs to %2.</source>
        <translation>%1 gehört zu %2.</translation>
    </message>
    <message>
        <source>%1 (suspended)</source>
        <translation>%1 (gesperrt)</translation>
    </message>
    <message>
        <source>There is no other organization to move to.</source>
        <translation>Es gibt keine andere Organisation, in die verschoben werden kann.</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %2 seats taken (%3 users, %n pending invitation(s))</source>
        <translation>
            <numerusform>%1 von %2 Plätzen belegt (%3 Benutzer, %n ausstehende Einladung)</numerusform>
            <numerusform>%1 von %2 Plätzen belegt (%3 Benutzer, %n ausstehende Einladungen)</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 is suspended: reactivate it before moving users into it.</source>
        <translation>%1 ist gesperrt: reaktivieren Sie die Organisation, bevor Sie Benutzer dorthin verschieben.</translation>
    </message>
    <message>
        <source>%1 is full: raise its plan limit, remove a user or revoke an invitation first.</source>
        <translation>%1 ist voll: erhöhen Sie das Planlimit, entfernen Sie einen Benutzer oder widerrufen Sie zuerst eine Einladung.</translation>
    </message>
    <message>
        <source>No organization roles are removed.</source>
        <translation>Es werden keine Organisationsrollen entfernt.</translation>
    </message>
    <message>
        <source>These roles of the old organization are removed: %1.</source>
        <translation>Diese Rollen der bisherigen Organisation werden entfernt: %1.</translation>
    </message>
    <message>
        <source>Global roles stay: %1.</source>
        <translation>Globale Rollen bleiben: %1.</translation>
    </message>
    <message>
        <source>All their sessions end and all their API keys are revoked, since these belong to the old organization. They sign in again afterwards.</source>
        <translation>Alle Sitzungen enden und alle API-Schlüssel werden widerrufen, da sie zur bisherigen Organisation gehören. Der Benutzer meldet sich danach neu an.</translation>
    </message>
    <message>
        <source>Move %1 to %2?</source>
        <translation>%1 nach %2 verschieben?</translation>
    </message>
    <message>
        <source>Roles removed: %1</source>
        <translation>Entfernte Rollen: %1</translation>
    </message>
    <message>
        <source>Their sessions end and their API keys are revoked.</source>
        <translation>Die Sitzungen enden und die API-Schlüssel werden widerrufen.</translation>
    </message>
    <message>
        <source>Move user</source>
        <translation>Benutzer verschieben</translation>
    </message>
    <message>
        <source>What the move changes:</source>
        <translation>Was sich durch das Verschieben ändert:</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDetailsPanel</name>
    <message>
        <source>Organization details</source>
        <translation>Details der Organisation</translation>
    </message>
    <message>
        <source>Select an organization to see its plan, features and invitations.</source>
        <translation>Wählen Sie eine Organisation, um Tarif, Funktionen und Einladungen zu sehen.</translation>
    </message>
    <message>
        <source>Slug:</source>
        <translation>Slug:</translation>
    </message>
    <message>
        <source>Plan:</source>
        <translation>Tarif:</translation>
    </message>
    <message>
        <source>Users:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Features:</source>
        <translation>Funktionen:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>Einladungen</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>%1 of at most %2</source>
        <translation>%1 von höchstens %2</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Suspended: nobody in it can sign in</source>
        <translation>Deaktiviert: Niemand darin kann sich anmelden</translation>
    </message>
    <message>
        <source>&amp;Invitations (%1)</source>
        <translation>&amp;Einladungen (%1)</translation>
    </message>
    <message>
        <source>&amp;Invitations</source>
        <translation>&amp;Einladungen</translation>
    </message>
    <message>
        <source>Could not load the invitations:
%1</source>
        <translation>Die Einladungen konnten nicht geladen werden:
%1</translation>
    </message>
    <message>
        <source>No invitations yet.
Invite someone with Ctrl+I.</source>
        <translation>Noch keine Einladungen.
Laden Sie jemanden mit Strg+I ein.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>%1 and %2 invited of at most %3 (a pending invitation holds a seat)</source>
        <translation>%1 und %2 eingeladen von höchstens %3 (eine offene Einladung belegt einen Platz)</translation>
    </message>
    <message>
        <source>Select an organization to see its members and invitations.</source>
        <translation>Wählen Sie eine Organisation, um ihre Mitglieder und Einladungen zu sehen.</translation>
    </message>
    <message>
        <source>Members:</source>
        <translation>Mitglieder:</translation>
    </message>
    <message>
        <source>%1 and %2 invited</source>
        <translation>%1 und %2 eingeladen</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDialog</name>
    <message>
        <source>Edit %1</source>
        <translation>%1 bearbeiten</translation>
    </message>
    <message>
        <source>New organization</source>
        <translation>Neue Organisation</translation>
    </message>
    <message>
        <source>Only super admins change the plan, the user limit and the features</source>
        <translation>Nur Super-Admins ändern Tarif, Benutzerlimit und Funktionen</translation>
    </message>
    <message>
        <source>Organization name</source>
        <translation>Name der Organisation</translation>
    </message>
    <message>
        <source>Slug</source>
        <translation>Slug</translation>
    </message>
    <message>
        <source>The slug identifies the organization and cannot be changed</source>
        <translation>Der Slug kennzeichnet die Organisation und kann nicht geändert werden</translation>
    </message>
    <message>
        <source>derived from the name</source>
        <translation>aus dem Namen abgeleitet</translation>
    </message>
    <message>
        <source>Lower-case letters and digits in groups separated by hyphens; derived from the name until you edit it</source>
        <translation>Kleinbuchstaben und Ziffern in Gruppen, getrennt durch Bindestriche; aus dem Namen abgeleitet, bis Sie ihn bearbeiten</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Tarif</translation>
    </message>
    <message>
        <source>User limit</source>
        <translation>Benutzerlimit</translation>
    </message>
    <message>
        <source> users</source>
        <translation> Benutzer</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Funktionen</translation>
    </message>
    <message>
        <source>Another feature</source>
        <translation>Weitere Funktion</translation>
    </message>
    <message>
        <source>Another feature, then Enter</source>
        <translation>Weitere Funktion, dann Eingabetaste</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Plan:</source>
        <translation>&amp;Tarif:</translation>
    </message>
    <message>
        <source>&amp;User limit:</source>
        <translation>&amp;Benutzerlimit:</translation>
    </message>
    <message>
        <source>&amp;Features:</source>
        <translation>&amp;Funktionen:</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>&amp;Erstellen</translation>
    </message>
    <message>
        <source>S&amp;lug:</source>
        <translation>S&amp;lug:</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDialogs</name>
    <message>
        <source>Send this invitation token to &lt;b&gt;%1&lt;/b&gt;: it lets them join %2 as %3 until %4.&lt;br&gt;They can accept it with &lt;code&gt;POST /api/invitations/accept&lt;/code&gt; once the REST server is deployed, or open the link from &lt;i&gt;Copy link&lt;/i&gt;.</source>
        <translation>Senden Sie dieses Einladungstoken an &lt;b&gt;%1&lt;/b&gt;: Damit kann die Person %2 bis %4 als %3 beitreten.&lt;br&gt;Sie kann es mit &lt;code&gt;POST /api/invitations/accept&lt;/code&gt; annehmen, sobald der REST-Server bereitsteht, oder den Link aus &lt;i&gt;Link kopieren&lt;/i&gt; öffnen.</translation>
    </message>
    <message>
        <source>Invitation for %1</source>
        <translation>Einladung für %1</translation>
    </message>
    <message>
        <source>Copy &amp;link</source>
        <translation>&amp;Link kopieren</translation>
    </message>
    <message>
        <source>Link copied</source>
        <translation>Link kopiert</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationListModel</name>
    <message>
        <source>Free</source>
        <translation>Free</translation>
    </message>
    <message>
        <source>Business</source>
        <translation>Business</translation>
    </message>
    <message>
        <source>Enterprise</source>
        <translation>Enterprise</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>%1 users of at most %2 on the %3 plan</source>
        <translation>%1 Benutzer von höchstens %2 im Tarif %3</translation>
    </message>
    <message>
        <source>Suspended: nobody in this organization can sign in</source>
        <translation>Deaktiviert: Niemand in dieser Organisation kann sich anmelden</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Slug</source>
        <translation>Slug</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Tarif</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Funktionen</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>%1 + %2 invited / %3</source>
        <translation>%1 + %2 eingeladen / %3</translation>
    </message>
    <message>
        <source>%1 users and %2 pending invitations of at most %3 on the %4 plan: a pending invitation holds a seat until it is accepted, revoked or expires</source>
        <translation>%1 Benutzer und %2 offene Einladungen von höchstens %3 im Tarif %4: eine offene Einladung belegt einen Platz, bis sie angenommen oder widerrufen wird oder abläuft</translation>
    </message>
    <message>
        <source>%1 + %2 invited</source>
        <translation>%1 + %2 eingeladen</translation>
    </message>
    <message>
        <source>%1 members</source>
        <translation>%1 Mitglieder</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationsPane</name>
    <message>
        <source>Search organizations</source>
        <translation>Organisationen durchsuchen</translation>
    </message>
    <message>
        <source>Search name, slug or plan (Ctrl+F)</source>
        <translation>Name, Slug oder Tarif suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Nach Status filtern</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>Organizations</source>
        <translation>Organisationen</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Tarif</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>&amp;Suspend…</source>
        <translation>&amp;Deaktivieren …</translation>
    </message>
    <message>
        <source>Reac&amp;tivate</source>
        <translation>&amp;Reaktivieren</translation>
    </message>
    <message>
        <source>&amp;Wipe out…</source>
        <translation>&amp;Vollständig löschen …</translation>
    </message>
    <message>
        <source>&amp;Invite…</source>
        <translation>&amp;Einladen …</translation>
    </message>
    <message>
        <source>&amp;Revoke invitation…</source>
        <translation>Einladung &amp;widerrufen …</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Could not load the organizations: %1</source>
        <translation>Die Organisationen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the organizations:
%1

Press F5 to try again.</source>
        <translation>Die Organisationen konnten nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message numerus="yes">
        <source>%n organization(s)</source>
        <translation>
            <numerusform>%Ln Organisation</numerusform>
            <numerusform>%Ln Organisationen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n organization(s)</source>
        <translation>
            <numerusform>%1 von %Ln Organisation</numerusform>
            <numerusform>%1 von %Ln Organisationen</numerusform>
        </translation>
    </message>
    <message>
        <source>No organizations yet.</source>
        <translation>Noch keine Organisationen.</translation>
    </message>
    <message>
        <source>Create the first one with Ctrl+N.</source>
        <translation>Legen Sie die erste mit Strg+N an.</translation>
    </message>
    <message>
        <source>No organization matches.
Clear the search or the status filter to see all.</source>
        <translation>Keine Organisation passt.
Leeren Sie die Suche oder den Statusfilter, um alle zu sehen.</translation>
    </message>
    <message>
        <source>Select an organization first</source>
        <translation>Wählen Sie zuerst eine Organisation</translation>
    </message>
    <message>
        <source>Only super admins can do this to organizations</source>
        <translation>Nur Super-Admins können das mit Organisationen tun</translation>
    </message>
    <message>
        <source>You cannot suspend your own organization</source>
        <translation>Sie können Ihre eigene Organisation nicht deaktivieren</translation>
    </message>
    <message>
        <source>It is already suspended</source>
        <translation>Sie ist bereits deaktiviert</translation>
    </message>
    <message>
        <source>It is active</source>
        <translation>Sie ist aktiv</translation>
    </message>
    <message>
        <source>You cannot wipe out your own organization</source>
        <translation>Sie können Ihre eigene Organisation nicht vollständig löschen</translation>
    </message>
    <message>
        <source>It is suspended; reactivate it before inviting</source>
        <translation>Sie ist deaktiviert; reaktivieren Sie sie, bevor Sie einladen</translation>
    </message>
    <message>
        <source>Select an invitation first</source>
        <translation>Wählen Sie zuerst eine Einladung</translation>
    </message>
    <message>
        <source>Only pending invitations can be revoked</source>
        <translation>Nur ausstehende Einladungen können widerrufen werden</translation>
    </message>
    <message>
        <source>Only super admins can create organizations</source>
        <translation>Nur Super-Admins können Organisationen erstellen</translation>
    </message>
    <message>
        <source>Created the organization %1 (%2)</source>
        <translation>Organisation %1 (%2) erstellt</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Suspend organization</source>
        <translation>Organisation deaktivieren</translation>
    </message>
    <message numerus="yes">
        <source>Suspend %1? Nobody in it can sign in until it is reactivated, and its %n user(s) are signed out. Nothing is deleted.</source>
        <translation>
            <numerusform>%1 deaktivieren? Niemand darin kann sich anmelden, bis sie reaktiviert wird, und ihr %Ln Benutzer wird abgemeldet. Nichts wird gelöscht.</numerusform>
            <numerusform>%1 deaktivieren? Niemand darin kann sich anmelden, bis sie reaktiviert wird, und ihre %Ln Benutzer werden abgemeldet. Nichts wird gelöscht.</numerusform>
        </translation>
    </message>
    <message>
        <source>Suspended %1</source>
        <translation>%1 deaktiviert</translation>
    </message>
    <message>
        <source>Reactivate organization</source>
        <translation>Organisation reaktivieren</translation>
    </message>
    <message>
        <source>Reactivated %1</source>
        <translation>%1 reaktiviert</translation>
    </message>
    <message>
        <source>Wiped out %1</source>
        <translation>%1 vollständig gelöscht</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>Einladen</translation>
    </message>
    <message>
        <source>Invited %1 into %2</source>
        <translation>%1 in %2 eingeladen</translation>
    </message>
    <message>
        <source>Revoke invitation</source>
        <translation>Einladung widerrufen</translation>
    </message>
    <message>
        <source>Revoke the invitation for %1? Its token stops working at once.</source>
        <translation>Die Einladung für %1 widerrufen? Ihr Token funktioniert sofort nicht mehr.</translation>
    </message>
    <message>
        <source>Revoked the invitation for %1</source>
        <translation>Einladung für %1 widerrufen</translation>
    </message>
    <message>
        <source>Copied %1</source>
        <translation>%1 kopiert</translation>
    </message>
    <message>
        <source>&amp;Suspend</source>
        <translation>&amp;Deaktivieren</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Widerrufen</translation>
    </message>
    <message>
        <source>%1 + %2 invited / %3</source>
        <translation>%1 + %2 eingeladen / %3</translation>
    </message>
    <message>
        <source>The tenant switcher does not filter this list: it selects %1.</source>
        <translation>Die Organisationsauswahl filtert diese Liste nicht: Sie wählt %1 aus.</translation>
    </message>
    <message>
        <source>the chosen tenant</source>
        <translation>die gewählte Organisation</translation>
    </message>
    <message>
        <source>Search name or slug (Ctrl+F)</source>
        <translation>Name oder Slug suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Invited %1 into %2; the server sends the invitation itself</source>
        <translation>%1 in %2 eingeladen; der Server verschickt die Einladung selbst</translation>
    </message>
</context>
<context>
    <name>portcullis::Pane</name>
    <message>
        <source>Nothing to create here</source>
        <translation>Hier gibt es nichts zu erstellen</translation>
    </message>
    <message>
        <source>Nothing to delete here</source>
        <translation>Hier gibt es nichts zu löschen</translation>
    </message>
    <message>
        <source>Your role does not allow this (%1)</source>
        <translation>Ihre Rolle erlaubt das nicht (%1)</translation>
    </message>
    <message>
        <source>This server cannot do this.</source>
        <translation>Dieser Server kann das nicht.</translation>
    </message>
</context>
<context>
    <name>portcullis::PermissionCodesDialog</name>
    <message>
        <source>Permission codes</source>
        <translation>Berechtigungscodes</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <source>What the code lets its holder do</source>
        <translation>Was der Code seinem Inhaber erlaubt</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>New &amp;code:</source>
        <translation>Neuer &amp;Code:</translation>
    </message>
    <message>
        <source>D&amp;escription:</source>
        <translation>B&amp;eschreibung:</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen …</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Meine Organisation</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>No organization to show.</source>
        <translation>Keine Organisation anzuzeigen.</translation>
    </message>
    <message>
        <source>slug:resource:action</source>
        <translation>slug:ressource:aktion</translation>
    </message>
    <message>
        <source>%1 has no permission codes of its own yet.</source>
        <translation>%1 hat noch keine eigenen Berechtigungscodes.</translation>
    </message>
    <message>
        <source>Define the code for this organization (Enter)</source>
        <translation>Den Code für diese Organisation anlegen (Eingabe)</translation>
    </message>
    <message>
        <source>Delete the selected code</source>
        <translation>Den ausgewählten Code löschen</translation>
    </message>
    <message>
        <source>Delete permission code</source>
        <translation>Berechtigungscode löschen</translation>
    </message>
    <message>
        <source>Delete %1? Applications that check it will no longer find it. A code still in a role or an API key is not deleted.</source>
        <translation>%1 löschen? Anwendungen, die ihn prüfen, finden ihn dann nicht mehr. Ein Code, der noch in einer Rolle oder einem API-Schlüssel steht, wird nicht gelöscht.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Codes the applications that use Portcullis check, written slug:resource:action in lower-case letters, digits, _ and -. Put them into the organization&apos;s custom roles and API-key scopes; they never give a right in Portcullis itself. A code still in use cannot be deleted.</source>
        <translation>Codes, die die Anwendungen prüfen, die Portcullis nutzen, geschrieben als slug:ressource:aktion in Kleinbuchstaben, Ziffern, _ und -. Verwenden Sie sie in den eigenen Rollen der Organisation und in API-Schlüssel-Bereichen; in Portcullis selbst geben sie kein Recht. Ein Code, der noch verwendet wird, kann nicht gelöscht werden.</translation>
    </message>
</context>
<context>
    <name>portcullis::PermissionTreeModel</name>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Builder</source>
        <translation>Builder</translation>
    </message>
    <message>
        <source>Knowledge base</source>
        <translation>Wissensdatenbank</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>Administration</translation>
    </message>
    <message>
        <source>Other (wildcards and codes outside the catalog)</source>
        <translation>Sonstige (Platzhalter und Codes außerhalb des Katalogs)</translation>
    </message>
    <message>
        <source>Not in the permission catalog</source>
        <translation>Nicht im Berechtigungskatalog</translation>
    </message>
    <message>
        <source>%1 of %2 granted</source>
        <translation>%1 von %2 gewährt</translation>
    </message>
    <message>
        <source>Check or clear every permission of %1 you may change</source>
        <translation>Alle Berechtigungen von %1, die Sie ändern dürfen, ankreuzen oder abwählen</translation>
    </message>
    <message>
        <source>inherited from %1</source>
        <translation>geerbt von %1</translation>
    </message>
    <message>
        <source>included in %1</source>
        <translation>enthalten in %1</translation>
    </message>
    <message>
        <source>You do not hold %1, so you cannot give it to a role</source>
        <translation>Sie haben %1 nicht und können es daher keiner Rolle geben</translation>
    </message>
    <message>
        <source>Permission</source>
        <translation>Berechtigung</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Beschreibung</translation>
    </message>
    <message>
        <source>Own codes of %1</source>
        <translation>Eigene Codes von %1</translation>
    </message>
</context>
<context>
    <name>portcullis::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>System default (%1)</source>
        <translation>Systemstandard (%1)</translation>
    </message>
    <message>
        <source>The language also sets how dates, times and numbers are written. A new choice takes effect the next time Portcullis starts.</source>
        <translation>Die Sprache bestimmt auch, wie Datum, Uhrzeit und Zahlen geschrieben werden. Eine neue Wahl gilt ab dem nächsten Start von Portcullis.</translation>
    </message>
    <message>
        <source>This run uses %1 because of --lang, which overrides this setting.</source>
        <translation>Portcullis läuft gerade auf %1, weil --lang diese Einstellung übersteuert.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>Date format</source>
        <translation>Datumsformat</translation>
    </message>
    <message>
        <source>As the language writes it</source>
        <translation>Wie in der Sprache üblich</translation>
    </message>
    <message>
        <source>ISO 8601 (2026-12-04 22:00)</source>
        <translation>ISO 8601 (2026-12-04 22:00)</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Zeitzone</translation>
    </message>
    <message>
        <source>Local time (%1)</source>
        <translation>Ortszeit (%1)</translation>
    </message>
    <message>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <source>&amp;Dates:</source>
        <translation>&amp;Datumsangaben:</translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation>&amp;Zeitzone:</translation>
    </message>
    <message>
        <source>Example:</source>
        <translation>Beispiel:</translation>
    </message>
</context>
<context>
    <name>portcullis::RoleDetailsPanel</name>
    <message>
        <source>Role details</source>
        <translation>Details der Rolle</translation>
    </message>
    <message>
        <source>Select a role to see its permissions.

Create a custom role with Ctrl+N, or start from an existing one with &quot;New role based on this…&quot; in its context menu.</source>
        <translation>Wählen Sie eine Rolle, um ihre Berechtigungen zu sehen.

Erstellen Sie eine benutzerdefinierte Rolle mit Strg+N oder gehen Sie von einer vorhandenen aus mit „Neue Rolle auf dieser Basis …“ in ihrem Kontextmenü.</translation>
    </message>
    <message>
        <source>Code:</source>
        <translation>Code:</translation>
    </message>
    <message>
        <source>Level:</source>
        <translation>Stufe:</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>Typ:</translation>
    </message>
    <message>
        <source>Scope:</source>
        <translation>Bereich:</translation>
    </message>
    <message>
        <source>About:</source>
        <translation>Info:</translation>
    </message>
    <message>
        <source>Direct:</source>
        <translation>Direkt:</translation>
    </message>
    <message>
        <source>Grants:</source>
        <translation>Zuweisbar:</translation>
    </message>
    <message>
        <source>Effective permissions</source>
        <translation>Effektive Berechtigungen</translation>
    </message>
    <message>
        <source>Built-in (cannot be changed)</source>
        <translation>Integriert (nicht änderbar)</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>no description</source>
        <translation>keine Beschreibung</translation>
    </message>
    <message numerus="yes">
        <source>%n permission(s)</source>
        <translation>
            <numerusform>%Ln Berechtigung</numerusform>
            <numerusform>%Ln Berechtigungen</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>Effective permissions: loading…</source>
        <translation>Effektive Berechtigungen: werden geladen …</translation>
    </message>
    <message>
        <source>inherited</source>
        <translation>geerbt</translation>
    </message>
    <message>
        <source>inherited from %1</source>
        <translation>geerbt von %1</translation>
    </message>
    <message>
        <source>granted directly</source>
        <translation>direkt gewährt</translation>
    </message>
    <message>
        <source>Could not load the effective permissions: %1</source>
        <translation>Die effektiven Berechtigungen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Effective &amp;permissions: %1 (%2 inherited, in italics)</source>
        <translation>Effektive Berechti&amp;gungen: %1 (%2 geerbt, kursiv)</translation>
    </message>
    <message>
        <source>Users holding this role</source>
        <translation>Benutzer mit dieser Rolle</translation>
    </message>
    <message>
        <source>Double-click a user to open them in the Users pane</source>
        <translation>Doppelklicken Sie auf einen Benutzer, um ihn im Bereich „Benutzer“ zu öffnen</translation>
    </message>
    <message>
        <source>Held by: loading…</source>
        <translation>Vergeben an: wird geladen…</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s)</source>
        <translation>
            <numerusform>Ver&amp;geben an %n Benutzer</numerusform>
            <numerusform>Ver&amp;geben an %n Benutzer</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s) in %1</source>
        <translation>
            <numerusform>Ver&amp;geben an %n Benutzer in %1</numerusform>
            <numerusform>Ver&amp;geben an %n Benutzer in %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(the first %n shown)</source>
        <translation>
            <numerusform>(die ersten %n angezeigt)</numerusform>
            <numerusform>(die ersten %n angezeigt)</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not load who holds this role: %1</source>
        <translation>Konnte nicht laden, wer diese Rolle hat: %1</translation>
    </message>
</context>
<context>
    <name>portcullis::RoleEditor</name>
    <message>
        <source>%1 is a built-in role: it comes with Portcullis and cannot be changed. To start from it, close this and choose &quot;New role based on this…&quot;.</source>
        <translation>%1 ist eine integrierte Rolle: Sie gehört zu Portcullis und kann nicht geändert werden. Um von ihr auszugehen, schließen Sie dies und wählen Sie „Neue Rolle auf dieser Basis …“.</translation>
    </message>
    <message>
        <source>New role</source>
        <translation>Neue Rolle</translation>
    </message>
    <message>
        <source>New role based on %1</source>
        <translation>Neue Rolle auf Basis von %1</translation>
    </message>
    <message>
        <source>Role %1</source>
        <translation>Rolle %1</translation>
    </message>
    <message>
        <source>Edit role %1</source>
        <translation>Rolle %1 bearbeiten</translation>
    </message>
    <message>
        <source>Role code</source>
        <translation>Rollencode</translation>
    </message>
    <message>
        <source>e.g. support_agent</source>
        <translation>z. B. support_agent</translation>
    </message>
    <message>
        <source>Lower-case letters, digits and underscores; it cannot be changed later</source>
        <translation>Kleinbuchstaben, Ziffern und Unterstriche; kann später nicht geändert werden</translation>
    </message>
    <message>
        <source>Role name</source>
        <translation>Name der Rolle</translation>
    </message>
    <message>
        <source>Role description</source>
        <translation>Beschreibung der Rolle</translation>
    </message>
    <message>
        <source>Role level</source>
        <translation>Stufe der Rolle</translation>
    </message>
    <message>
        <source>Higher levels manage lower ones; your level is %1, so a role you manage stays below it</source>
        <translation>Höhere Stufen verwalten niedrigere; Ihre Stufe ist %1, daher bleibt eine Rolle, die Sie verwalten, darunter</translation>
    </message>
    <message>
        <source>Organization of the role</source>
        <translation>Organisation der Rolle</translation>
    </message>
    <message>
        <source>Copy of %1</source>
        <translation>Kopie von %1</translation>
    </message>
    <message>
        <source>The code of a role cannot be changed</source>
        <translation>Der Code einer Rolle kann nicht geändert werden</translation>
    </message>
    <message>
        <source>Global (every organization)</source>
        <translation>Global (jede Organisation)</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Meine Organisation</translation>
    </message>
    <message>
        <source>A role stays in the scope it was created in</source>
        <translation>Eine Rolle bleibt in dem Bereich, in dem sie erstellt wurde</translation>
    </message>
    <message>
        <source>Only super admins create global roles or roles of other organizations</source>
        <translation>Nur Super-Admins erstellen globale Rollen oder Rollen anderer Organisationen</translation>
    </message>
    <message>
        <source>&amp;Code:</source>
        <translation>&amp;Code:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>&amp;Beschreibung:</translation>
    </message>
    <message>
        <source>&amp;Level:</source>
        <translation>Stu&amp;fe:</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>Roles this role may assign</source>
        <translation>Rollen, die diese Rolle zuweisen darf</translation>
    </message>
    <message>
        <source>%1 — %2 (level %3)</source>
        <translation>%1 – %2 (Stufe %3)</translation>
    </message>
    <message>
        <source>&amp;Grants: roles its holders may assign</source>
        <translation>&amp;Zuweisbar: Rollen, die Inhaber zuweisen dürfen</translation>
    </message>
    <message>
        <source>Filter permissions</source>
        <translation>Berechtigungen filtern</translation>
    </message>
    <message>
        <source>Filter permissions (e.g. kb: or export)</source>
        <translation>Berechtigungen filtern (z. B. kb: oder export)</translation>
    </message>
    <message>
        <source>Permissions by category</source>
        <translation>Berechtigungen nach Kategorie</translation>
    </message>
    <message>
        <source>&amp;Permissions (inherited ones are in italics and cannot be cleared here):</source>
        <translation>Berechti&amp;gungen (geerbte sind kursiv und können hier nicht abgewählt werden):</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>&amp;Erstellen</translation>
    </message>
    <message numerus="yes">
        <source>%n direct permission(s) checked</source>
        <translation>
            <numerusform>%Ln direkte Berechtigung angekreuzt</numerusform>
            <numerusform>%Ln direkte Berechtigungen angekreuzt</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading the permission catalog…</source>
        <translation>Berechtigungskatalog wird geladen …</translation>
    </message>
    <message>
        <source>Could not load the permission catalog: %1</source>
        <translation>Der Berechtigungskatalog konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Inherits nothing: no built-in role is below level %1.</source>
        <translation>Erbt nichts: Keine integrierte Rolle liegt unter Stufe %1.</translation>
    </message>
    <message>
        <source>Inherits the permissions of %1 (built-in roles below level %2).</source>
        <translation>Erbt die Berechtigungen von %1 (integrierte Rollen unter Stufe %2).</translation>
    </message>
    <message>
        <source>Holders of this role may assign the checked roles without the permission to assign roles, only to users below them and never a role at or above their own level</source>
        <translation>Inhaber dieser Rolle dürfen die angehakten Rollen auch ohne die Berechtigung zum Zuweisen von Rollen vergeben, nur an Benutzer unter ihnen und nie eine Rolle auf oder über ihrer eigenen Stufe</translation>
    </message>
    <message>
        <source>Only roles below your level (%1) can be granted</source>
        <translation>Nur Rollen unterhalb Ihrer Stufe (%1) können vergeben werden</translation>
    </message>
    <message>
        <source>Higher levels manage lower ones; custom roles go from %1 to %2</source>
        <translation>Höhere Stufen verwalten niedrigere; benutzerdefinierte Rollen reichen von %1 bis %2</translation>
    </message>
</context>
<context>
    <name>portcullis::RoleListModel</name>
    <message>
        <source>Global</source>
        <translation>Global</translation>
    </message>
    <message>
        <source>Organization #%1</source>
        <translation>Organisation #%1</translation>
    </message>
    <message>
        <source>Built-in</source>
        <translation>Integriert</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message numerus="yes">
        <source>%n direct permission(s); the effective set adds those of the lower built-in roles</source>
        <translation>
            <numerusform>%Ln direkte Berechtigung; die effektive Menge ergänzt die der niedrigeren integrierten Rollen</numerusform>
            <numerusform>%Ln direkte Berechtigungen; die effektive Menge ergänzt die der niedrigeren integrierten Rollen</numerusform>
        </translation>
    </message>
    <message>
        <source>Built-in roles come with the system and cannot be changed</source>
        <translation>Integrierte Rollen gehören zum System und können nicht geändert werden</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Bereich</translation>
    </message>
    <message>
        <source>Permissions</source>
        <translation>Berechtigungen</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
</context>
<context>
    <name>portcullis::RolesPane</name>
    <message>
        <source>Search roles</source>
        <translation>Rollen durchsuchen</translation>
    </message>
    <message>
        <source>Search code, name or description (Ctrl+F)</source>
        <translation>Code, Name oder Beschreibung suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Filter by type</source>
        <translation>Nach Typ filtern</translation>
    </message>
    <message>
        <source>Built-in and custom</source>
        <translation>Integriert und benutzerdefiniert</translation>
    </message>
    <message>
        <source>Built-in only</source>
        <translation>Nur integrierte</translation>
    </message>
    <message>
        <source>Custom only</source>
        <translation>Nur benutzerdefinierte</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Stufe</translation>
    </message>
    <message>
        <source>Built-in</source>
        <translation>Integriert</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>New role &amp;based on this…</source>
        <translation>&amp;Neue Rolle auf dieser Basis …</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen …</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Could not load the roles: %1</source>
        <translation>Die Rollen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the roles:
%1

Press F5 to try again.</source>
        <translation>Die Rollen konnten nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message numerus="yes">
        <source>%n role(s)</source>
        <translation>
            <numerusform>%Ln Rolle</numerusform>
            <numerusform>%Ln Rollen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n role(s)</source>
        <translation>
            <numerusform>%1 von %Ln Rolle</numerusform>
            <numerusform>%1 von %Ln Rollen</numerusform>
        </translation>
    </message>
    <message>
        <source>No role matches the search.
Clear the search or the type filter to see every role.</source>
        <translation>Keine Rolle passt zur Suche.
Leeren Sie die Suche oder den Typfilter, um alle Rollen zu sehen.</translation>
    </message>
    <message>
        <source>No roles yet.
Create the first custom role with Ctrl+N.</source>
        <translation>Noch keine Rollen.
Erstellen Sie die erste benutzerdefinierte Rolle mit Strg+N.</translation>
    </message>
    <message>
        <source>Select a role first</source>
        <translation>Wählen Sie zuerst eine Rolle</translation>
    </message>
    <message>
        <source>Built-in roles cannot be changed</source>
        <translation>Integrierte Rollen können nicht geändert werden</translation>
    </message>
    <message>
        <source>&amp;View…</source>
        <translation>&amp;Ansehen …</translation>
    </message>
    <message>
        <source>Edit this role</source>
        <translation>Diese Rolle bearbeiten</translation>
    </message>
    <message>
        <source>View this role (%1)</source>
        <translation>Diese Rolle ansehen (%1)</translation>
    </message>
    <message>
        <source>Start a new custom role with this role&apos;s permissions</source>
        <translation>Eine neue benutzerdefinierte Rolle mit den Berechtigungen dieser Rolle beginnen</translation>
    </message>
    <message>
        <source>Built-in roles cannot be deleted</source>
        <translation>Integrierte Rollen können nicht gelöscht werden</translation>
    </message>
    <message>
        <source>Created the role %1</source>
        <translation>Rolle %1 erstellt</translation>
    </message>
    <message>
        <source>Saved the role %1</source>
        <translation>Rolle %1 gespeichert</translation>
    </message>
    <message>
        <source>Delete role</source>
        <translation>Rolle löschen</translation>
    </message>
    <message>
        <source>Delete the role %1 (%2)? Its permissions and grants go with it; the audit log keeps the record.</source>
        <translation>Die Rolle %1 (%2) löschen? Ihre Berechtigungen und Zuweisungserlaubnisse werden mit gelöscht; das Audit-Protokoll behält den Eintrag.</translation>
    </message>
    <message>
        <source>Deleted the role %1</source>
        <translation>Rolle %1 gelöscht</translation>
    </message>
    <message numerus="yes">
        <source>Delete and remove it from %n user(s)</source>
        <translation>
            <numerusform>Löschen und bei %Ln Benutzer entfernen</numerusform>
            <numerusform>Löschen und bei %Ln Benutzern entfernen</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete and remove it from its users</source>
        <translation>Löschen und bei allen Inhabern entfernen</translation>
    </message>
    <message numerus="yes">
        <source>%1 is assigned to %n user(s).

Delete it and remove it from those %n user(s)? They lose its permissions at once.</source>
        <translation>
            <numerusform>%1 ist %Ln Benutzer zugewiesen.

Löschen und bei diesem Benutzer entfernen? Er verliert sofort ihre Berechtigungen.</numerusform>
            <numerusform>%1 ist %Ln Benutzern zugewiesen.

Löschen und bei diesen %Ln Benutzern entfernen? Sie verlieren sofort ihre Berechtigungen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete it and remove it from every user who holds it?</source>
        <translation>Löschen und bei jedem Inhaber entfernen?</translation>
    </message>
    <message>
        <source>Kept the role %1</source>
        <translation>Rolle %1 behalten</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>Copied the role %1</source>
        <translation>Rolle %1 kopiert</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>No role in %1 matches the search.
Clear the search or the type filter to see every role.</source>
        <translation>Keine Rolle in %1 passt zur Suche.
Leeren Sie die Suche oder den Typfilter, um alle Rollen zu sehen.</translation>
    </message>
    <message>
        <source>&amp;Permission codes…</source>
        <translation>Berechtigungs&amp;codes …</translation>
    </message>
    <message>
        <source>The organization&apos;s own permission codes, for its roles and API keys</source>
        <translation>Die eigenen Berechtigungscodes der Organisation, für ihre Rollen und API-Schlüssel</translation>
    </message>
    <message>
        <source>Roles are set on each user in the Users pane.</source>
        <translation>Rollen werden bei jedem Benutzer im Bereich „Benutzer“ gesetzt.</translation>
    </message>
</context>
<context>
    <name>portcullis::RotateApiKeyDialog</name>
    <message>
        <source>Rotate API key</source>
        <translation>API-Schlüssel rotieren</translation>
    </message>
    <message>
        <source>Rotate the key &lt;b&gt;%1&lt;/b&gt; (%2) of %3? It gets a new secret, shown once. Its name, owner, scopes and limits stay.</source>
        <translation>Den Schlüssel &lt;b&gt;%1&lt;/b&gt; (%2) von %3 rotieren? Er erhält ein neues Geheimnis, das einmal angezeigt wird. Name, Besitzer, Scopes und Limits bleiben.</translation>
    </message>
    <message>
        <source>Grace period of the old secret</source>
        <translation>Übergangsfrist des alten Geheimnisses</translation>
    </message>
    <message>
        <source>None: refuse the old secret at once</source>
        <translation>Keine: altes Geheimnis sofort ablehnen</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 Stunde</translation>
    </message>
    <message>
        <source>24 hours</source>
        <translation>24 Stunden</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>7 Tage</translation>
    </message>
    <message>
        <source>The old secret &amp;works for:</source>
        <translation>Das alte Geheimnis &amp;gilt noch:</translation>
    </message>
    <message>
        <source>Programs keep working with the old secret during the grace period while you hand out the new one. Rotating again within it refuses the older secret at once.</source>
        <translation>Programme arbeiten während der Übergangsfrist mit dem alten Geheimnis weiter, während Sie das neue verteilen. Erneutes Rotieren innerhalb der Frist lehnt das ältere Geheimnis sofort ab.</translation>
    </message>
    <message>
        <source>&amp;Rotate</source>
        <translation>&amp;Rotieren</translation>
    </message>
</context>
<context>
    <name>portcullis::SecretDialog</name>
    <message>
        <source>It is shown only now: copy it to a safe place.</source>
        <translation>Es wird nur jetzt angezeigt: Kopieren Sie es an einen sicheren Ort.</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Geheimnis</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Kopiert</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionDetailsPanel</name>
    <message>
        <source>Session details</source>
        <translation>Details der Sitzung</translation>
    </message>
    <message>
        <source>Session:</source>
        <translation>Sitzung:</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>IP-Adresse:</translation>
    </message>
    <message>
        <source>User agent:</source>
        <translation>User-Agent:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Begonnen:</translation>
    </message>
    <message>
        <source>Last seen:</source>
        <translation>Zuletzt gesehen:</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Läuft ab:</translation>
    </message>
    <message numerus="yes">
        <source>%n sessions selected. Delete revokes them all.</source>
        <translation>
            <numerusform>%Ln Sitzung ausgewählt. Entf widerruft sie.</numerusform>
            <numerusform>%Ln Sitzungen ausgewählt. Entf widerruft sie alle.</numerusform>
        </translation>
    </message>
    <message>
        <source>Select a session to see its details. Delete revokes the selected sessions; the context menu (right-click or the Menu key) ends all sessions of a user.</source>
        <translation>Wählen Sie eine Sitzung, um ihre Details zu sehen. Entf widerruft die ausgewählten Sitzungen; das Kontextmenü (Rechtsklick oder Menütaste) beendet alle Sitzungen eines Benutzers.</translation>
    </message>
    <message>
        <source>Impersonated session</source>
        <translation>Sitzung mit Identitätsübernahme</translation>
    </message>
    <message>
        <source>%1 acts as this user. Reason: %2</source>
        <translation>%1 handelt als dieser Benutzer. Grund: %2</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>(unbekannt)</translation>
    </message>
    <message>
        <source>Active — this console&apos;s session</source>
        <translation>Aktiv — die Sitzung dieser Konsole</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionListModel</name>
    <message>
        <source>Impersonated by %1 — reason: %2</source>
        <translation>Identität übernommen von %1 – Grund: %2</translation>
    </message>
    <message>
        <source>in under a minute</source>
        <translation>in weniger als einer Minute</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message numerus="yes">
        <source>in %n min</source>
        <translation>
            <numerusform>in %Ln Min.</numerusform>
            <numerusform>in %Ln Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>vor %Ln Min.</numerusform>
            <numerusform>vor %Ln Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n h</source>
        <translation>
            <numerusform>in %Ln Std.</numerusform>
            <numerusform>in %Ln Std.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>vor %Ln Std.</numerusform>
            <numerusform>vor %Ln Std.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n days</source>
        <translation>
            <numerusform>in %Ln Tag</numerusform>
            <numerusform>in %Ln Tagen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n days ago</source>
        <translation>
            <numerusform>vor %Ln Tag</numerusform>
            <numerusform>vor %Ln Tagen</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired %1</source>
        <translation>Abgelaufen %1</translation>
    </message>
    <message>
        <source>This session was revoked.</source>
        <translation>Diese Sitzung wurde widerrufen.</translation>
    </message>
    <message>
        <source>This session has expired.</source>
        <translation>Diese Sitzung ist abgelaufen.</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>IP-Adresse</translation>
    </message>
    <message>
        <source>User agent</source>
        <translation>User-Agent</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Läuft ab</translation>
    </message>
    <message>
        <source>Impersonated by</source>
        <translation>Identität übernommen von</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>%1 (this console)</source>
        <translation>%1 (diese Konsole)</translation>
    </message>
    <message>
        <source>The session of this console: revoking it signs you out.</source>
        <translation>Die Sitzung dieser Konsole: Wenn Sie sie widerrufen, werden Sie abgemeldet.</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionsPane</name>
    <message>
        <source>Filter by user</source>
        <translation>Nach Benutzer filtern</translation>
    </message>
    <message>
        <source>User: email, name or #id — empty for everyone (Ctrl+F)</source>
        <translation>Benutzer: E-Mail, Name oder #ID – leer für alle (Strg+F)</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>Ben&amp;utzer:</translation>
    </message>
    <message>
        <source>&amp;Include ended sessions</source>
        <translation>Beendete Sitzungen &amp;einbeziehen</translation>
    </message>
    <message>
        <source>Include revoked and expired sessions</source>
        <translation>Widerrufene und abgelaufene Sitzungen einbeziehen</translation>
    </message>
    <message>
        <source>Also list sessions that were revoked or have expired</source>
        <translation>Auch Sitzungen auflisten, die widerrufen wurden oder abgelaufen sind</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>Sitzungen</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Expired %1</source>
        <translation>Abgelaufen %1</translation>
    </message>
    <message>
        <source>&amp;Revoke session…</source>
        <translation>Sitzung &amp;widerrufen …</translation>
    </message>
    <message>
        <source>End &amp;all sessions of this user…</source>
        <translation>&amp;Alle Sitzungen dieses Benutzers beenden …</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Could not load the sessions: %1</source>
        <translation>Die Sitzungen konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Looking up “%1”…</source>
        <translation>„%1“ wird gesucht …</translation>
    </message>
    <message>
        <source>Sessions of %1</source>
        <translation>Sitzungen von %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the sessions:
%1

Press F5 to try again.</source>
        <translation>Die Sitzungen konnten nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message>
        <source>1 session</source>
        <translation>1 Sitzung</translation>
    </message>
    <message numerus="yes">
        <source>%Ln sessions</source>
        <translation>
            <numerusform>%Ln Sitzung</numerusform>
            <numerusform>%Ln Sitzungen</numerusform>
        </translation>
    </message>
    <message>
        <source>This user has no sessions.
They appear when the user signs in.</source>
        <translation>Dieser Benutzer hat keine Sitzungen.
Sie erscheinen, wenn sich der Benutzer anmeldet.</translation>
    </message>
    <message>
        <source>This user has no active session.
Tick “Include ended sessions” to see revoked and expired ones, or clear the user filter to see everyone&apos;s.</source>
        <translation>Dieser Benutzer hat keine aktive Sitzung.
Kreuzen Sie „Beendete Sitzungen einbeziehen“ an, um widerrufene und abgelaufene zu sehen, oder leeren Sie den Benutzerfilter, um die aller zu sehen.</translation>
    </message>
    <message>
        <source>No sessions yet.
They appear when users sign in.</source>
        <translation>Noch keine Sitzungen.
Sie erscheinen, wenn sich Benutzer anmelden.</translation>
    </message>
    <message>
        <source>Nobody is signed in right now.
Tick “Include ended sessions” to see revoked and expired ones.</source>
        <translation>Gerade ist niemand angemeldet.
Kreuzen Sie „Beendete Sitzungen einbeziehen“ an, um widerrufene und abgelaufene zu sehen.</translation>
    </message>
    <message>
        <source>Select a session first</source>
        <translation>Wählen Sie zuerst eine Sitzung</translation>
    </message>
    <message>
        <source>The selected sessions have already ended</source>
        <translation>Die ausgewählten Sitzungen sind bereits beendet</translation>
    </message>
    <message>
        <source>Revoking…</source>
        <translation>Wird widerrufen …</translation>
    </message>
    <message>
        <source>End the selected sessions now (Delete)</source>
        <translation>Die ausgewählten Sitzungen jetzt beenden (Entf)</translation>
    </message>
    <message>
        <source>The selected sessions belong to several users</source>
        <translation>Die ausgewählten Sitzungen gehören mehreren Benutzern</translation>
    </message>
    <message>
        <source>End every session of the selected session&apos;s user</source>
        <translation>Alle Sitzungen des Benutzers der ausgewählten Sitzung beenden</translation>
    </message>
    <message>
        <source>Revoke the session of %1 from %2? They are signed out on that device at once.</source>
        <translation>Die Sitzung von %1 von %2 aus widerrufen? Der Benutzer wird auf diesem Gerät sofort abgemeldet.</translation>
    </message>
    <message>
        <source>an unknown address</source>
        <translation>einer unbekannten Adresse</translation>
    </message>
    <message numerus="yes">
        <source>Revoke %n sessions? Their users are signed out on those devices at once.</source>
        <translation>
            <numerusform>%Ln Sitzung widerrufen? Der Benutzer wird auf diesem Gerät sofort abgemeldet.</numerusform>
            <numerusform>%Ln Sitzungen widerrufen? Die Benutzer werden auf diesen Geräten sofort abgemeldet.</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoke sessions</source>
        <translation>Sitzungen widerrufen</translation>
    </message>
    <message>
        <source>Revoked the session of %1</source>
        <translation>Sitzung von %1 widerrufen</translation>
    </message>
    <message numerus="yes">
        <source>Revoked %n sessions</source>
        <translation>
            <numerusform>%Ln Sitzung widerrufen</numerusform>
            <numerusform>%Ln Sitzungen widerrufen</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 sessions could not be revoked:

%3</source>
        <translation>%1 von %2 Sitzungen konnten nicht widerrufen werden:

%3</translation>
    </message>
    <message>
        <source>End all sessions</source>
        <translation>Alle Sitzungen beenden</translation>
    </message>
    <message>
        <source>End every session of %1? They are signed out everywhere at once.</source>
        <translation>Alle Sitzungen von %1 beenden? Der Benutzer wird überall sofort abgemeldet.</translation>
    </message>
    <message>
        <source>Ended 1 session of %1</source>
        <translation>1 Sitzung von %1 beendet</translation>
    </message>
    <message numerus="yes">
        <source>Ended %n sessions of %1</source>
        <translation>
            <numerusform>%Ln Sitzung von %1 beendet</numerusform>
            <numerusform>%Ln Sitzungen von %1 beendet</numerusform>
        </translation>
    </message>
    <message>
        <source>Copied 1 session</source>
        <translation>1 Sitzung kopiert</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n sessions</source>
        <translation>
            <numerusform>%Ln Sitzung kopiert</numerusform>
            <numerusform>%Ln Sitzungen kopiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Also revoke their API &amp;keys (after a suspected account takeover)</source>
        <translation>Auch ihre API-&amp;Schlüssel widerrufen (bei Verdacht auf Kontoübernahme)</translation>
    </message>
    <message>
        <source>%1+ sessions</source>
        <translation>%1+ Sitzungen</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Widerrufen</translation>
    </message>
    <message>
        <source>&amp;End sessions</source>
        <translation>Sitzungen &amp;beenden</translation>
    </message>
    <message>
        <source>This is the session of this console. Revoking it signs you out of Portcullis at once; you have to sign in again.</source>
        <translation>Dies ist die Sitzung dieser Konsole. Wenn Sie sie widerrufen, werden Sie sofort von Portcullis abgemeldet und müssen sich erneut anmelden.</translation>
    </message>
    <message>
        <source>One of them is the session of this console. Revoking it signs you out of Portcullis at once; you have to sign in again.</source>
        <translation>Eine davon ist die Sitzung dieser Konsole. Wenn Sie sie widerrufen, werden Sie sofort von Portcullis abgemeldet und müssen sich erneut anmelden.</translation>
    </message>
    <message>
        <source>Sign yourself out?</source>
        <translation>Sich selbst abmelden?</translation>
    </message>
    <message>
        <source>No sessions in %1 yet.
They appear when its users sign in.</source>
        <translation>Noch keine Sitzungen in %1.
Sie erscheinen, wenn sich seine Benutzer anmelden.</translation>
    </message>
    <message>
        <source>Nobody in %1 is signed in right now.
Tick “Include ended sessions” to see revoked and expired ones.</source>
        <translation>Niemand in %1 ist gerade angemeldet.
Aktivieren Sie „Beendete Sitzungen einbeziehen“, um widerrufene und abgelaufene zu sehen.</translation>
    </message>
    <message>
        <source>End your other sessions? You are signed out everywhere else at once; this console stays signed in.</source>
        <translation>Ihre anderen Sitzungen beenden? Sie werden überall sonst sofort abgemeldet; diese Konsole bleibt angemeldet.</translation>
    </message>
    <message>
        <source>User: email or name (Ctrl+F)</source>
        <translation>Benutzer: E-Mail oder Name (Strg+F)</translation>
    </message>
    <message>
        <source>Type a user&apos;s email or name above, or choose “Show sessions” on a user in the Users pane.</source>
        <translation>Geben Sie oben die E-Mail-Adresse oder den Namen eines Benutzers ein, oder wählen Sie „Sitzungen anzeigen“ bei einem Benutzer im Bereich „Benutzer“.</translation>
    </message>
    <message>
        <source>&amp;End impersonation…</source>
        <translation>Identitätsübernahme &amp;beenden …</translation>
    </message>
    <message>
        <source>End this impersonation now: its session is revoked (Delete)</source>
        <translation>Diese Identitätsübernahme jetzt beenden: Ihre Sitzung wird widerrufen (Entf)</translation>
    </message>
</context>
<context>
    <name>portcullis::SetPasswordDialog</name>
    <message>
        <source>Set the password of %1</source>
        <translation>Passwort von %1 festlegen</translation>
    </message>
    <message>
        <source>The new password works at once, and every session of %1 ends. Tell them the password through a safe channel.</source>
        <translation>Das neue Passwort gilt sofort, und alle Sitzungen von %1 werden beendet. Teilen Sie das Passwort über einen sicheren Weg mit.</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Neues Passwort</translation>
    </message>
    <message>
        <source>Repeat the new password</source>
        <translation>Neues Passwort wiederholen</translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation>&amp;Neues Passwort:</translation>
    </message>
    <message>
        <source>Re&amp;peat:</source>
        <translation>&amp;Wiederholen:</translation>
    </message>
    <message>
        <source>&amp;Set password</source>
        <translation>Passwort &amp;setzen</translation>
    </message>
    <message>
        <source>Password policy: %1</source>
        <translation>Passwortrichtlinie: %1</translation>
    </message>
    <message>
        <source>The two passwords differ</source>
        <translation>Die beiden Passwörter unterscheiden sich</translation>
    </message>
    <message>
        <source>✓ The password meets the policy</source>
        <translation>✓ Das Passwort erfüllt die Richtlinie</translation>
    </message>
    <message>
        <source>Change your password</source>
        <translation>Passwort ändern</translation>
    </message>
    <message>
        <source>Your new password works at once, and every one of your sessions ends, this one included: you sign in again with the new password.</source>
        <translation>Ihr neues Passwort gilt sofort, und alle Ihre Sitzungen enden, auch diese: Sie melden sich mit dem neuen Passwort erneut an.</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Aktuelles Passwort</translation>
    </message>
    <message>
        <source>C&amp;urrent password:</source>
        <translation>A&amp;ktuelles Passwort:</translation>
    </message>
    <message>
        <source>Also &amp;revoke my API keys</source>
        <translation>Auch meine API-Schlüssel &amp;widerrufen</translation>
    </message>
    <message>
        <source>Also &amp;revoke the user&apos;s API keys</source>
        <translation>Auch die API-Schlüssel des Benutzers &amp;widerrufen</translation>
    </message>
</context>
<context>
    <name>portcullis::ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Tastenkürzel</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Tasten</translation>
    </message>
    <message>
        <source>What they do</source>
        <translation>Wirkung</translation>
    </message>
    <message>
        <source>Everywhere</source>
        <translation>Überall</translation>
    </message>
    <message>
        <source>Ctrl+1 … Ctrl+7</source>
        <translation>Strg+1 … Strg+7</translation>
    </message>
    <message>
        <source>go to a section</source>
        <translation>zu einem Bereich wechseln</translation>
    </message>
    <message>
        <source>Ctrl+F</source>
        <translation>Strg+F</translation>
    </message>
    <message>
        <source>find in the current list</source>
        <translation>in der aktuellen Liste suchen</translation>
    </message>
    <message>
        <source>Ctrl+N</source>
        <translation>Strg+N</translation>
    </message>
    <message>
        <source>new item</source>
        <translation>neues Element</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Entf</translation>
    </message>
    <message>
        <source>delete the selection</source>
        <translation>Auswahl löschen</translation>
    </message>
    <message>
        <source>F5</source>
        <translation>F5</translation>
    </message>
    <message>
        <source>refresh</source>
        <translation>aktualisieren</translation>
    </message>
    <message>
        <source>Ctrl+C</source>
        <translation>Strg+C</translation>
    </message>
    <message>
        <source>copy the selected rows</source>
        <translation>ausgewählte Zeilen kopieren</translation>
    </message>
    <message>
        <source>Menu key or Shift+F10</source>
        <translation>Menütaste oder Umschalt+F10</translation>
    </message>
    <message>
        <source>context menu of the selection</source>
        <translation>Kontextmenü der Auswahl</translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation>Tab, Umschalt+Tab</translation>
    </message>
    <message>
        <source>next, previous field; into a list selects its first row</source>
        <translation>nächstes, vorheriges Feld; in einer Liste wird die erste Zeile ausgewählt</translation>
    </message>
    <message>
        <source>Ctrl+Return</source>
        <translation>Strg+Eingabe</translation>
    </message>
    <message>
        <source>submit a dialog from a multi-line field</source>
        <translation>Dialog aus einem mehrzeiligen Feld absenden</translation>
    </message>
    <message>
        <source>Escape</source>
        <translation>Esc</translation>
    </message>
    <message>
        <source>close a dialog or menu</source>
        <translation>Dialog oder Menü schließen</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>this list</source>
        <translation>diese Liste</translation>
    </message>
    <message>
        <source>In %1</source>
        <translation>In %1</translation>
    </message>
</context>
<context>
    <name>portcullis::UserActivityView</name>
    <message>
        <source>Recent activity</source>
        <translation>Letzte Aktivität</translation>
    </message>
    <message>
        <source>Show all in the audit &amp;log</source>
        <translation>Alle im Audit-&amp;Log anzeigen</translation>
    </message>
    <message>
        <source>Opens the audit log filtered to the events this user took part in</source>
        <translation>Öffnet das Audit-Log, gefiltert auf die Ereignisse, an denen dieser Benutzer beteiligt war</translation>
    </message>
    <message>
        <source>Your role cannot read the audit log, so this user&apos;s activity is not shown.</source>
        <translation>Ihre Rolle darf das Audit-Log nicht lesen, daher wird die Aktivität dieses Benutzers nicht angezeigt.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <source>Could not load the activity: %1</source>
        <translation>Die Aktivität konnte nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>own account</source>
        <translation>eigenes Konto</translation>
    </message>
    <message>
        <source>on %1</source>
        <translation>an %1</translation>
    </message>
    <message>
        <source>by the system</source>
        <translation>durch das System</translation>
    </message>
    <message>
        <source>by %1</source>
        <translation>durch %1</translation>
    </message>
    <message>
        <source>by %1 #%2</source>
        <translation>durch %1 #%2</translation>
    </message>
    <message>
        <source>No events</source>
        <translation>Keine Ereignisse</translation>
    </message>
    <message>
        <source>denied</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>success</source>
        <translation>erfolgreich</translation>
    </message>
</context>
<context>
    <name>portcullis::UserDetailsPanel</name>
    <message>
        <source>User details</source>
        <translation>Details des Benutzers</translation>
    </message>
    <message>
        <source>Email:</source>
        <translation>E-Mail:</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>Benutzername:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Roles:</source>
        <translation>Rollen:</translation>
    </message>
    <message>
        <source>Organization:</source>
        <translation>Organisation:</translation>
    </message>
    <message>
        <source>Last sign-in:</source>
        <translation>Letzte Anmeldung:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Verified:</source>
        <translation>Verifiziert:</translation>
    </message>
    <message>
        <source>Select a user to see the details and act on them.

Select several with Ctrl or Shift for bulk actions.</source>
        <translation>Wählen Sie einen Benutzer, um die Details zu sehen und Aktionen auszuführen.

Wählen Sie mehrere mit Strg oder Umschalt für Sammelaktionen.</translation>
    </message>
    <message numerus="yes">
        <source>%n users selected. Use the context menu (right-click or the Menu key) for bulk actions.</source>
        <translation>
            <numerusform>%Ln Benutzer ausgewählt. Verwenden Sie das Kontextmenü (Rechtsklick oder Menütaste) für Sammelaktionen.</numerusform>
            <numerusform>%Ln Benutzer ausgewählt. Verwenden Sie das Kontextmenü (Rechtsklick oder Menütaste) für Sammelaktionen.</numerusform>
        </translation>
    </message>
    <message>
        <source>(until %1)</source>
        <translation>(bis %1)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
</context>
<context>
    <name>portcullis::UserDialog</name>
    <message>
        <source>Edit %1</source>
        <translation>%1 bearbeiten</translation>
    </message>
    <message>
        <source>New user</source>
        <translation>Neuer Benutzer</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail-Adresse</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Vollständiger Name</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-Mail:</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <source>Full &amp;name:</source>
        <translation>Vollständiger &amp;Name:</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Meine Organisation</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation:</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>Anfangspasswort</translation>
    </message>
    <message>
        <source>Initial &amp;password:</source>
        <translation>Anfangs&amp;passwort:</translation>
    </message>
    <message>
        <source>Email address &amp;verified</source>
        <translation>E-Mail-Adresse &amp;verifiziert</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Speichern</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>Ers&amp;tellen</translation>
    </message>
    <message>
        <source>✓ The password meets the policy</source>
        <translation>✓ Das Passwort erfüllt die Richtlinie</translation>
    </message>
    <message>
        <source>Password policy: %1</source>
        <translation>Passwortrichtlinie: %1</translation>
    </message>
    <message>
        <source>Close this dialog and refresh (F5) to see the current values.</source>
        <translation>Schließen Sie diesen Dialog und aktualisieren Sie (F5), um die aktuellen Werte zu sehen.</translation>
    </message>
    <message>
        <source>Ro&amp;les:</source>
        <translation>Ro&amp;llen:</translation>
    </message>
    <message>
        <source>Role names separated by commas, as the server knows them (e.g. user, admin)</source>
        <translation>Rollennamen durch Kommas getrennt, wie der Server sie kennt (z. B. user, admin)</translation>
    </message>
</context>
<context>
    <name>portcullis::UserGuideDialog</name>
    <message>
        <source>Portcullis user guide</source>
        <translation>Portcullis-Benutzerhandbuch</translation>
    </message>
    <message>
        <source>User guide</source>
        <translation>Benutzerhandbuch</translation>
    </message>
    <message>
        <source>Not in the console</source>
        <translation>Nicht in der Konsole</translation>
    </message>
    <message>
        <source>%1 is not built into the console. It is in the docs folder of Portcullis&apos;s source and on the project&apos;s web pages.</source>
        <translation>%1 ist nicht in die Konsole eingebaut. Sie finden es im Ordner docs der Quellen von Portcullis und auf den Webseiten des Projekts.</translation>
    </message>
</context>
<context>
    <name>portcullis::UserImportDialog</name>
    <message>
        <source>Will be created</source>
        <translation>Wird angelegt</translation>
    </message>
    <message>
        <source>Invited</source>
        <translation>Eingeladen</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Angelegt</translation>
    </message>
    <message>
        <source>Exists, will be skipped</source>
        <translation>Existiert, wird übersprungen</translation>
    </message>
    <message>
        <source>Exists, skipped</source>
        <translation>Existiert, übersprungen</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Not imported</source>
        <translation>Nicht importiert</translation>
    </message>
    <message>
        <source>Import Users</source>
        <translation>Benutzer importieren</translation>
    </message>
    <message>
        <source>A CSV file with a header row: email, username, full name, roles, organization. Nothing is written until you press Import; passwords are never in the file.</source>
        <translation>Eine CSV-Datei mit Kopfzeile: email, username, full name, roles, organization. Nichts wird geschrieben, bevor Sie auf „Importieren“ klicken; Passwörter stehen nie in der Datei.</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>Keine Datei gewählt</translation>
    </message>
    <message>
        <source>C&amp;hoose File…</source>
        <translation>Datei &amp;wählen…</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Datei:</translation>
    </message>
    <message>
        <source>Create the users, each with a one-time reset code</source>
        <translation>Benutzer anlegen, jeder mit einem Einmal-Code zum Zurücksetzen</translation>
    </message>
    <message>
        <source>Send invitations instead (one role per row)</source>
        <translation>Stattdessen Einladungen senden (eine Rolle pro Zeile)</translation>
    </message>
    <message>
        <source>New &amp;accounts:</source>
        <translation>Neue &amp;Konten:</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>Zeile</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>Einmal-Code</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>Ergebnis &amp;speichern…</translation>
    </message>
    <message>
        <source>&amp;Export Codes…</source>
        <translation>Codes e&amp;xportieren…</translation>
    </message>
    <message>
        <source>Stop &amp;Import</source>
        <translation>Import &amp;anhalten</translation>
    </message>
    <message>
        <source>&amp;Import</source>
        <translation>&amp;Importieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv *.txt);;All files (*)</source>
        <translation>CSV-Dateien (*.csv *.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Reading the file…</source>
        <translation>Datei wird gelesen…</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>The file has a header but no rows.</source>
        <translation>Die Datei hat eine Kopfzeile, aber keine Zeilen.</translation>
    </message>
    <message numerus="yes">
        <source>Checking %n row(s)…</source>
        <translation>
            <numerusform>%n Zeile wird geprüft…</numerusform>
            <numerusform>%n Zeilen werden geprüft…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Send %n invitation(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>%n Einladung senden? Zeilen mit Fehlern oder vorhandenen Benutzern werden übersprungen.</numerusform>
            <numerusform>%n Einladungen senden? Zeilen mit Fehlern oder vorhandenen Benutzern werden übersprungen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Create %n user(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>%n Benutzer anlegen? Zeilen mit Fehlern oder vorhandenen Benutzern werden übersprungen.</numerusform>
            <numerusform>%n Benutzer anlegen? Zeilen mit Fehlern oder vorhandenen Benutzern werden übersprungen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Send Invitations</source>
        <translation>Einladungen senden</translation>
    </message>
    <message>
        <source>Create Users</source>
        <translation>Benutzer anlegen</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Import läuft…</translation>
    </message>
    <message>
        <source>Stopping after the current row…</source>
        <translation>Wird nach der aktuellen Zeile angehalten…</translation>
    </message>
    <message>
        <source>%1 row(s): %2 will be created, %3 already exist and will be skipped, %4 with errors. Nothing has been written yet.</source>
        <translation>%1 Zeile(n): %2 werden angelegt, %3 existieren bereits und werden übersprungen, %4 mit Fehlern. Noch wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>%1 created, %2 skipped (already exist), %3 with errors.</source>
        <translation>%1 angelegt, %2 übersprungen (existieren bereits), %3 mit Fehlern.</translation>
    </message>
    <message numerus="yes">
        <source>Stopped: %n row(s) not imported.</source>
        <translation>
            <numerusform>Angehalten: %n Zeile nicht importiert.</numerusform>
            <numerusform>Angehalten: %n Zeilen nicht importiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>The one-time codes are shown only now: export them or copy them before you close this dialog.</source>
        <translation>Die Einmal-Codes werden nur jetzt angezeigt: exportieren oder kopieren Sie sie, bevor Sie diesen Dialog schließen.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Saved to %1.</source>
        <translation>Gespeichert in %1.</translation>
    </message>
    <message>
        <source>Save Import Results</source>
        <translation>Importergebnis speichern</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Export One-Time Codes</source>
        <translation>Einmal-Codes exportieren</translation>
    </message>
    <message>
        <source>The file will hold a one-time code for every new account: whoever reads it can set those passwords. Keep it where only you can read it, hand the codes out, and delete the file.</source>
        <translation>Die Datei enthält für jedes neue Konto einen Einmal-Code: Wer sie liest, kann diese Passwörter setzen. Bewahren Sie sie so auf, dass nur Sie sie lesen können, geben Sie die Codes weiter und löschen Sie die Datei.</translation>
    </message>
    <message>
        <source>Export Codes</source>
        <translation>Codes exportieren</translation>
    </message>
</context>
<context>
    <name>portcullis::UserListModel</name>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Banned: %1</source>
        <translation>Gesperrt: %1</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-Mail</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Last sign-in</source>
        <translation>Letzte Anmeldung</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Just created: listed although the search or filters would hide it</source>
        <translation>Gerade erstellt: angezeigt, obwohl die Suche oder die Filter ihn ausblenden würden</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
</context>
<context>
    <name>portcullis::UserRolesDialog</name>
    <message>
        <source>Roles of %1</source>
        <translation>Rollen von %1</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>&amp;Übernehmen</translation>
    </message>
    <message>
        <source>Roles you may not give or take are greyed out; hover for the reason.</source>
        <translation>Rollen, die Sie nicht vergeben oder entziehen dürfen, sind ausgegraut; der Grund erscheint beim Darüberfahren.</translation>
    </message>
    <message>
        <source>Could not assign %1: %2</source>
        <translation>%1 konnte nicht zugewiesen werden: %2</translation>
    </message>
    <message>
        <source>Could not revoke %1: %2</source>
        <translation>%1 konnte nicht entzogen werden: %2</translation>
    </message>
    <message>
        <source>Role names separated by commas, as the server knows them (e.g. user, admin).</source>
        <translation>Rollennamen durch Kommas getrennt, wie der Server sie kennt (z. B. user, admin).</translation>
    </message>
</context>
<context>
    <name>portcullis::UsersPane</name>
    <message>
        <source>Search users</source>
        <translation>Benutzer suchen</translation>
    </message>
    <message>
        <source>Search email, username or name (Ctrl+F)</source>
        <translation>E-Mail, Benutzername oder Name suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Filter by role</source>
        <translation>Nach Rolle filtern</translation>
    </message>
    <message>
        <source>Any role</source>
        <translation>Jede Rolle</translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Nach Status filtern</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Jeder Status</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten …</translation>
    </message>
    <message>
        <source>&amp;Ban…</source>
        <translation>&amp;Sperren …</translation>
    </message>
    <message>
        <source>&amp;Unban</source>
        <translation>&amp;Entsperren</translation>
    </message>
    <message>
        <source>&amp;Suspend</source>
        <translation>&amp;Deaktivieren</translation>
    </message>
    <message>
        <source>Reac&amp;tivate</source>
        <translation>Rea&amp;ktivieren</translation>
    </message>
    <message>
        <source>&amp;Roles…</source>
        <translation>&amp;Rollen …</translation>
    </message>
    <message>
        <source>&amp;Assign a role…</source>
        <translation>Rolle &amp;zuweisen …</translation>
    </message>
    <message>
        <source>Re&amp;move a role…</source>
        <translation>Rolle en&amp;tziehen …</translation>
    </message>
    <message>
        <source>Reset &amp;password…</source>
        <translation>&amp;Passwort zurücksetzen …</translation>
    </message>
    <message>
        <source>&amp;Impersonate…</source>
        <translation>&amp;Identität übernehmen …</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Löschen …</translation>
    </message>
    <message>
        <source>Could not load users: %1</source>
        <translation>Benutzer konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Could not load the users:
%1

Press F5 to try again.</source>
        <translation>Die Benutzer konnten nicht geladen werden:
%1

Drücken Sie F5, um es erneut zu versuchen.</translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%Ln Benutzer</numerusform>
            <numerusform>%Ln Benutzer</numerusform>
        </translation>
    </message>
    <message>
        <source>No user matches these filters.
Clear the search or the filters to see everyone.</source>
        <translation>Kein Benutzer passt zu diesen Filtern.
Leeren Sie die Suche oder die Filter, um alle zu sehen.</translation>
    </message>
    <message>
        <source>No users yet.
Create the first one with Ctrl+N.</source>
        <translation>Noch keine Benutzer.
Legen Sie den ersten mit Strg+N an.</translation>
    </message>
    <message>
        <source>Select a user first</source>
        <translation>Wählen Sie zuerst einen Benutzer</translation>
    </message>
    <message>
        <source>Select one user to edit</source>
        <translation>Wählen Sie einen Benutzer zum Bearbeiten</translation>
    </message>
    <message>
        <source>Nobody selected is banned</source>
        <translation>Niemand in der Auswahl ist gesperrt</translation>
    </message>
    <message>
        <source>Nobody selected is suspended</source>
        <translation>Niemand in der Auswahl ist deaktiviert</translation>
    </message>
    <message>
        <source>Select one user</source>
        <translation>Wählen Sie einen einzelnen Benutzer</translation>
    </message>
    <message>
        <source>New user</source>
        <translation>Neuer Benutzer</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>%1 angelegt</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <source>Banned %1</source>
        <translation>%1 gesperrt</translation>
    </message>
    <message>
        <source>Ban users</source>
        <translation>Benutzer sperren</translation>
    </message>
    <message>
        <source>Ban</source>
        <translation>Sperren</translation>
    </message>
    <message>
        <source>Unban</source>
        <translation>Entsperren</translation>
    </message>
    <message>
        <source>Lifted the ban of %1</source>
        <translation>Sperre von %1 aufgehoben</translation>
    </message>
    <message>
        <source>Unban users</source>
        <translation>Benutzer entsperren</translation>
    </message>
    <message>
        <source>Suspend</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <source>Suspend %1? They cannot sign in until reactivated, and their sessions end now.</source>
        <translation>%1 deaktivieren? Der Benutzer kann sich bis zur Reaktivierung nicht anmelden, und seine Sitzungen enden jetzt.</translation>
    </message>
    <message>
        <source>Suspended %1</source>
        <translation>%1 deaktiviert</translation>
    </message>
    <message>
        <source>Suspend users</source>
        <translation>Benutzer deaktivieren</translation>
    </message>
    <message>
        <source>Reactivate users</source>
        <translation>Benutzer reaktivieren</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Reaktivieren</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rollen</translation>
    </message>
    <message>
        <source>Roles updated</source>
        <translation>Rollen aktualisiert</translation>
    </message>
    <message>
        <source>There is no role you may give or take.</source>
        <translation>Es gibt keine Rolle, die Sie vergeben oder entziehen dürfen.</translation>
    </message>
    <message>
        <source>Assign a role</source>
        <translation>Rolle zuweisen</translation>
    </message>
    <message>
        <source>Remove a role</source>
        <translation>Rolle entziehen</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>Rolle:</translation>
    </message>
    <message>
        <source>Assign %1</source>
        <translation>%1 zuweisen</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>%1 entziehen</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>Passwort zurücksetzen</translation>
    </message>
    <message>
        <source>Password reset for %1</source>
        <translation>Passwort-Zurücksetzung für %1</translation>
    </message>
    <message>
        <source>Send this one-time reset code to %1. It works once and expires in 2 hours.</source>
        <translation>Senden Sie diesen einmaligen Rücksetzcode an %1. Er funktioniert einmal und läuft in 2 Stunden ab.</translation>
    </message>
    <message>
        <source>Issued a reset code for %1</source>
        <translation>Rücksetzcode für %1 ausgestellt</translation>
    </message>
    <message>
        <source>End sessions</source>
        <translation>Sitzungen beenden</translation>
    </message>
    <message>
        <source>End all sessions of</source>
        <translation>Alle Sitzungen beenden</translation>
    </message>
    <message>
        <source>Impersonation session opened for %1</source>
        <translation>Sitzung mit der Identität von %1 geöffnet</translation>
    </message>
    <message>
        <source>Delete user</source>
        <translation>Benutzer löschen</translation>
    </message>
    <message>
        <source>Delete %1? They can no longer sign in; their sessions end and their API keys are revoked. The audit trail stays.</source>
        <translation>%1 löschen? Der Benutzer kann sich nicht mehr anmelden; seine Sitzungen enden und seine API-Schlüssel werden widerrufen. Der Audit-Verlauf bleibt erhalten.</translation>
    </message>
    <message>
        <source>Deleted %1</source>
        <translation>%1 gelöscht</translation>
    </message>
    <message>
        <source>Delete users</source>
        <translation>Benutzer löschen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n row(s)</source>
        <translation>
            <numerusform>%Ln Zeile kopiert</numerusform>
            <numerusform>%Ln Zeilen kopiert</numerusform>
        </translation>
    </message>
    <message>
        <source>E&amp;nd all sessions</source>
        <translation>Alle Sitzungen bee&amp;nden</translation>
    </message>
    <message>
        <source>Show sessi&amp;ons</source>
        <translation>Sitzungen &amp;anzeigen</translation>
    </message>
    <message>
        <source>Show audit tr&amp;ail</source>
        <translation>Audit-&amp;Verlauf anzeigen</translation>
    </message>
    <message>
        <source>Set pass&amp;word…</source>
        <translation>Passwort &amp;festlegen …</translation>
    </message>
    <message>
        <source>Set a new password for %1; their sessions ended</source>
        <translation>Neues Passwort für %1 festgelegt; die Sitzungen wurden beendet</translation>
    </message>
    <message>
        <source>Your password was changed; your sessions ended, sign in again with it</source>
        <translation>Ihr Passwort wurde geändert; Ihre Sitzungen wurden beendet, melden Sie sich damit erneut an</translation>
    </message>
    <message>
        <source>Also revoke their API &amp;keys (after a suspected account takeover)</source>
        <translation>Auch ihre API-&amp;Schlüssel widerrufen (bei Verdacht auf Kontoübernahme)</translation>
    </message>
    <message>
        <source>Finds users whose email, username or full name contains the text, in any case. Three characters or more are looked up in the search index; one or two are matched row by row, which is slower on large directories.</source>
        <translation>Findet Benutzer, deren E-Mail-Adresse, Benutzername oder vollständiger Name den Text enthält, ohne Rücksicht auf Groß- und Kleinschreibung. Ab drei Zeichen wird im Suchindex nachgeschlagen; ein oder zwei Zeichen werden Zeile für Zeile verglichen, was in großen Verzeichnissen langsamer ist.</translation>
    </message>
    <message>
        <source>%1+ users</source>
        <translation>%1+ Benutzer</translation>
    </message>
    <message>
        <source>Already suspended</source>
        <translation>Bereits deaktiviert</translation>
    </message>
    <message>
        <source>Everyone selected is already suspended</source>
        <translation>Alle Ausgewählten sind bereits deaktiviert</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>No user in %1 matches these filters.
Clear the search or the filters, or pick all tenants in the tenant switcher.</source>
        <translation>Kein Benutzer in %1 passt zu diesen Filtern.
Leeren Sie die Suche oder die Filter, oder wählen Sie in der Organisationsauswahl alle Organisationen.</translation>
    </message>
    <message>
        <source>No users in %1.
Create one with Ctrl+N.</source>
        <translation>Keine Benutzer in %1.
Erstellen Sie einen mit Strg+N.</translation>
    </message>
    <message>
        <source>Move to or&amp;ganization…</source>
        <translation>In Or&amp;ganisation verschieben…</translation>
    </message>
    <message>
        <source>Moved %1 to %2</source>
        <translation>%1 nach %2 verschoben</translation>
    </message>
    <message>
        <source>Export Users</source>
        <translation>Benutzer exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>Exporting users to %1…</source>
        <translation>Benutzer werden nach %1 exportiert…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Exporting users to %1…
%2 written</source>
        <translation>Benutzer werden nach %1 exportiert…
%2 geschrieben</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Export nach %1…</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written</source>
        <translation>Export abgebrochen; es wurde keine Datei geschrieben</translation>
    </message>
    <message>
        <source>Exported %1 users to %2</source>
        <translation>%1 Benutzer nach %2 exportiert</translation>
    </message>
    <message>
        <source>Search email or name (Ctrl+F)</source>
        <translation>E-Mail oder Name suchen (Strg+F)</translation>
    </message>
    <message>
        <source>Finds users whose email or name contains the text; the server searches.</source>
        <translation>Findet Benutzer, deren E-Mail-Adresse oder Name den Text enthält; der Server sucht.</translation>
    </message>
    <message>
        <source>Only users with this role name</source>
        <translation>Nur Benutzer mit diesem Rollennamen</translation>
    </message>
</context>
<context>
    <name>portcullis::WipeOutDialog</name>
    <message>
        <source>Wipe out %1</source>
        <translation>%1 vollständig löschen</translation>
    </message>
    <message numerus="yes">
        <source>&lt;p&gt;&lt;b&gt;This deletes %1 for good&lt;/b&gt;, with everything in it:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;its %n user(s) and their role assignments,&lt;/li&gt;&lt;li&gt;its custom roles,&lt;/li&gt;&lt;li&gt;its API keys,&lt;/li&gt;&lt;li&gt;its sessions (everyone is signed out),&lt;/li&gt;&lt;li&gt;its invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The audit log stays: it cannot be changed, and it records this wipe-out. There is no undo.&lt;/p&gt;</source>
        <translation>
            <numerusform>&lt;p&gt;&lt;b&gt;Damit wird %1 endgültig gelöscht&lt;/b&gt;, mit allem, was dazugehört:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;ihr %Ln Benutzer und dessen Rollenzuweisungen,&lt;/li&gt;&lt;li&gt;ihre benutzerdefinierten Rollen,&lt;/li&gt;&lt;li&gt;ihre API-Schlüssel,&lt;/li&gt;&lt;li&gt;ihre Sitzungen (alle werden abgemeldet),&lt;/li&gt;&lt;li&gt;ihre Einladungen.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Das Audit-Protokoll bleibt: Es kann nicht geändert werden und hält diese Löschung fest. Es gibt kein Rückgängig.&lt;/p&gt;</numerusform>
            <numerusform>&lt;p&gt;&lt;b&gt;Damit wird %1 endgültig gelöscht&lt;/b&gt;, mit allem, was dazugehört:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;ihre %Ln Benutzer und deren Rollenzuweisungen,&lt;/li&gt;&lt;li&gt;ihre benutzerdefinierten Rollen,&lt;/li&gt;&lt;li&gt;ihre API-Schlüssel,&lt;/li&gt;&lt;li&gt;ihre Sitzungen (alle werden abgemeldet),&lt;/li&gt;&lt;li&gt;ihre Einladungen.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Das Audit-Protokoll bleibt: Es kann nicht geändert werden und hält diese Löschung fest. Es gibt kein Rückgängig.&lt;/p&gt;</numerusform>
        </translation>
    </message>
    <message>
        <source>Type the slug to confirm</source>
        <translation>Geben Sie zur Bestätigung den Slug ein</translation>
    </message>
    <message>
        <source>&amp;Type the slug &lt;b&gt;%1&lt;/b&gt; to confirm:</source>
        <translation>Geben Sie zur Bestätigung den Slug &lt;b&gt;%1&lt;/b&gt; &amp;ein:</translation>
    </message>
    <message>
        <source>&amp;Wipe out</source>
        <translation>&amp;Vollständig löschen</translation>
    </message>
    <message>
        <source>Type the slug first</source>
        <translation>Geben Sie zuerst den Slug ein</translation>
    </message>
    <message>
        <source>Delete %1 and everything in it</source>
        <translation>%1 und alles darin löschen</translation>
    </message>
</context>
<context>
    <name>portcullis::display</name>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Deaktiviert</translation>
    </message>
    <message>
        <source>Banned</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Blockiert</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
</context>
<context>
    <name>portcullis::useragent</name>
    <message>
        <source>Portcullis console</source>
        <translation>Portcullis-Konsole</translation>
    </message>
    <message>
        <source>Portcullis console %1</source>
        <translation>Portcullis-Konsole %1</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 unter %2</translation>
    </message>
    <message>
        <source>A browser on %1</source>
        <translation>Ein Browser unter %1</translation>
    </message>
</context>
<context>
    <name>portcullis::userfilter</name>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>No user has the email %1</source>
        <translation>Kein Benutzer hat die E-Mail-Adresse %1</translation>
    </message>
    <message>
        <source>No user matches “%1”</source>
        <translation>Kein Benutzer passt zu „%1“</translation>
    </message>
    <message>
        <source>%1 users match, type the email</source>
        <translation>%1 Benutzer passen; geben Sie die E-Mail-Adresse ein</translation>
    </message>
</context>
</TS>
