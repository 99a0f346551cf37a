<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>Portcullis::ApiKeys</name>
    <message>
        <source>Choose the user the key acts for.</source>
        <translation>Choisissez l&apos;utilisateur pour lequel la clé agit.</translation>
    </message>
    <message>
        <source>%1 is deleted and cannot own an API key</source>
        <translation>%1 est supprimé et ne peut pas posséder de clé d&apos;API</translation>
    </message>
    <message>
        <source>Give the key a name.</source>
        <translation>Donnez un nom à la clé.</translation>
    </message>
    <message>
        <source>A name has at most %1 characters.</source>
        <translation>Un nom comporte au plus %1 caractères.</translation>
    </message>
    <message>
        <source>The rate limit is between 1 and %1 requests per minute.</source>
        <translation>La limite de débit est comprise entre 1 et %1 requêtes par minute.</translation>
    </message>
    <message>
        <source>%1 is neither an IP address nor a CIDR range such as 10.0.0.0/8.</source>
        <translation>%1 n&apos;est ni une adresse IP ni une plage CIDR comme 10.0.0.0/8.</translation>
    </message>
    <message>
        <source>The expiry date must be in the future.</source>
        <translation>La date d&apos;expiration doit être dans le futur.</translation>
    </message>
    <message>
        <source>The API key cannot be created as entered.</source>
        <translation>La clé d&apos;API ne peut pas être créée telle que saisie.</translation>
    </message>
    <message>
        <source>The system could not generate a secure key</source>
        <translation>Le système n&apos;a pas pu générer de clé sécurisée</translation>
    </message>
    <message>
        <source>Creating the API key</source>
        <translation>Création de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Counting API keys</source>
        <translation>Comptage des clés d&apos;API</translation>
    </message>
    <message>
        <source>Listing API keys</source>
        <translation>Liste des clés d&apos;API</translation>
    </message>
    <message>
        <source>Loading the API key</source>
        <translation>Chargement de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Revoking the API key</source>
        <translation>Révocation de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Malformed API key</source>
        <translation>Clé d&apos;API mal formée</translation>
    </message>
    <message>
        <source>Checking the API key</source>
        <translation>Vérification de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Unknown API key</source>
        <translation>Clé d&apos;API inconnue</translation>
    </message>
    <message>
        <source>API key not allowed from %1</source>
        <translation>Clé d&apos;API non autorisée depuis %1</translation>
    </message>
    <message>
        <source>an unknown address</source>
        <translation>une adresse inconnue</translation>
    </message>
    <message>
        <source>Recording the use of the API key</source>
        <translation>Enregistrement de l&apos;utilisation de la clé d&apos;API</translation>
    </message>
    <message>
        <source>API keys cannot be created while impersonating a user; a key would outlive the impersonation</source>
        <translation>Impossible de créer une clé d&apos;API pendant l&apos;usurpation d&apos;un utilisateur ; la clé survivrait à l&apos;usurpation</translation>
    </message>
    <message>
        <source>API keys cannot be changed or rotated while impersonating a user</source>
        <translation>Les clés d&apos;API ne peuvent pas être modifiées ni renouvelées pendant une usurpation d&apos;identité</translation>
    </message>
    <message>
        <source>The API key %1 is revoked and can no longer be changed</source>
        <translation>La clé d&apos;API %1 est révoquée et ne peut plus être modifiée</translation>
    </message>
    <message>
        <source>The API key cannot be changed as entered.</source>
        <translation>La clé d&apos;API ne peut pas être modifiée ainsi.</translation>
    </message>
    <message>
        <source>Changing the API key</source>
        <translation>Modification de la clé d&apos;API</translation>
    </message>
    <message>
        <source>The API key %1 was revoked meanwhile</source>
        <translation>La clé d&apos;API %1 a été révoquée entre-temps</translation>
    </message>
    <message>
        <source>The grace period is none, 1 hour, 24 hours or 7 days.</source>
        <translation>Le délai de grâce est aucun, 1 heure, 24 heures ou 7 jours.</translation>
    </message>
    <message>
        <source>Rotating the API key</source>
        <translation>Renouvellement de la clé d&apos;API</translation>
    </message>
    <message>
        <source>The API key %1 was changed at the same time; reload it and try again</source>
        <translation>La clé d&apos;API %1 a été modifiée au même moment ; rechargez-la et réessayez</translation>
    </message>
    <message>
        <source>%1 (the secret before the last rotation)</source>
        <translation>%1 (le secret d&apos;avant le dernier renouvellement)</translation>
    </message>
    <message>
        <source>This API key was rotated and its grace period has ended; use the new secret</source>
        <translation>Cette clé d&apos;API a été renouvelée et son délai de grâce est écoulé ; utilisez le nouveau secret</translation>
    </message>
</context>
<context>
    <name>Portcullis::Audit</name>
    <message>
        <source>Invalid cursor</source>
        <translation>Curseur non valide</translation>
    </message>
    <message>
        <source>Outcome is success or denied</source>
        <translation>Le résultat est « success » ou « denied »</translation>
    </message>
    <message>
        <source>The start must be before the end</source>
        <translation>Le début doit précéder la fin</translation>
    </message>
    <message>
        <source>Reading the audit log</source>
        <translation>Lecture du journal d&apos;audit</translation>
    </message>
    <message>
        <source>Export cancelled after %1 events</source>
        <translation>Export annulé après %1 événements</translation>
    </message>
    <message>
        <source>Exporting the audit log</source>
        <translation>Export du journal d&apos;audit</translation>
    </message>
    <message>
        <source>Could not write the export: %1</source>
        <translation>Impossible d&apos;écrire l&apos;export : %1</translation>
    </message>
    <message>
        <source>unexpected id (expected %1)</source>
        <translation>identifiant inattendu (attendu : %1)</translation>
    </message>
    <message>
        <source>Only super admins can purge the audit log</source>
        <translation>Seuls les super administrateurs peuvent purger le journal d&apos;audit</translation>
    </message>
    <message>
        <source>Choose a date in the past</source>
        <translation>Choisissez une date passée</translation>
    </message>
    <message>
        <source>Finding the purge point</source>
        <translation>Recherche du point de purge</translation>
    </message>
    <message>
        <source>Counting events to purge</source>
        <translation>Comptage des événements à purger</translation>
    </message>
    <message>
        <source>Recording the purge</source>
        <translation>Enregistrement de la purge</translation>
    </message>
    <message>
        <source>Purging the audit log</source>
        <translation>Purge du journal d&apos;audit</translation>
    </message>
    <message>
        <source>Counting activity</source>
        <translation>Comptage de l&apos;activité</translation>
    </message>
    <message>
        <source>Reading the audit purges</source>
        <translation>Lecture des purges d&apos;audit</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) is not authenticated by the audit key</source>
        <translation>purge falsifiée : l&apos;enregistrement de purge n° %1 (événements avant %2) n&apos;est pas authentifié par la clé d&apos;audit</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) carries no MAC, but the key was in use from event %3</source>
        <translation>purge falsifiée : l&apos;enregistrement de purge n° %1 (événements avant %2) ne porte pas de MAC, mais la clé était utilisée depuis l&apos;événement %3</translation>
    </message>
    <message>
        <source>missing range: events %1 to %2 are missing (deleted without an authentic purge)</source>
        <translation>plage manquante : les événements %1 à %2 manquent (supprimés sans purge authentique)</translation>
    </message>
    <message>
        <source>edited event: the previous-hash link does not match the event before it (an event was altered)</source>
        <translation>événement modifié : le lien vers le hachage précédent ne correspond pas à l&apos;événement qui le précède (un événement a été altéré)</translation>
    </message>
    <message>
        <source>forged purge: purge record #%1 (events before %2) carries no MAC, but the events after it were written with the key</source>
        <translation>purge falsifiée : l&apos;enregistrement de purge n° %1 (événements avant %2) ne porte pas de MAC, mais les événements qui le suivent ont été écrits avec la clé</translation>
    </message>
    <message>
        <source>edited event: rewritten without the key (an unkeyed link where checkpoint %1 saw the key in use from event %2; the event was altered)</source>
        <translation>événement modifié : réécrit sans la clé (un lien sans clé là où le point de contrôle %1 a vu la clé utilisée depuis l&apos;événement %2 ; l&apos;événement a été altéré)</translation>
    </message>
    <message>
        <source>edited event: the content does not match its keyed hash (the event was altered)</source>
        <translation>événement modifié : le contenu ne correspond pas à son hachage avec clé (l&apos;événement a été altéré)</translation>
    </message>
    <message>
        <source>edited event: it does not match checkpoint %1 (the event was altered, or the tail was cut off and written anew)</source>
        <translation>événement modifié : il ne correspond pas au point de contrôle %1 (l&apos;événement a été altéré, ou la fin a été coupée puis réécrite)</translation>
    </message>
    <message>
        <source>truncated tail since checkpoint %1: events %2 to %3 are missing (the checkpoint of %4 recorded event %3 as the newest)</source>
        <translation>fin tronquée depuis le point de contrôle %1 : les événements %2 à %3 manquent (le point de contrôle du %4 a enregistré l&apos;événement %3 comme le plus récent)</translation>
    </message>
    <message>
        <source>Reading the audit chain</source>
        <translation>Lecture de la chaîne d&apos;audit</translation>
    </message>
    <message>
        <source>The audit log no longer holds event %1 as checkpoint %2 recorded it (run verify-audit); the checkpoint is kept as it is</source>
        <translation>Le journal d&apos;audit ne contient plus l&apos;événement %1 tel que le point de contrôle %2 l&apos;a enregistré (lancez verify-audit) ; le point de contrôle est conservé tel quel</translation>
    </message>
    <message>
        <source>Verifying the audit chain covers every organization of the deployment: only super admins can run it</source>
        <translation>La vérification de la chaîne d’audit couvre toutes les organisations du déploiement : seuls les super-administrateurs peuvent la lancer</translation>
    </message>
    <message>
        <source>An audit verification is already running for this deployment; try again when it has finished</source>
        <translation>Une vérification du journal d’audit est déjà en cours pour ce déploiement ; réessayez lorsqu’elle sera terminée</translation>
    </message>
    <message>
        <source>The audit verification was cancelled</source>
        <translation>La vérification du journal d’audit a été annulée</translation>
    </message>
    <message>
        <source>Invalid event id</source>
        <translation>Identifiant d’événement non valide</translation>
    </message>
    <message>
        <source>The offset cannot be negative</source>
        <translation>Le décalage ne peut pas être négatif</translation>
    </message>
</context>
<context>
    <name>Portcullis::AuditKey</name>
    <message>
        <source>The audit key %1 does not exist</source>
        <translation>La clé d&apos;audit %1 n&apos;existe pas</translation>
    </message>
    <message>
        <source>The audit key %1 may be read by other users; restrict it with &quot;chmod 600 %1&quot;</source>
        <translation>La clé d&apos;audit %1 peut être lue par d&apos;autres utilisateurs ; restreignez-la avec « chmod 600 %1 »</translation>
    </message>
    <message>
        <source>Cannot read the audit key %1: %2</source>
        <translation>Impossible de lire la clé d&apos;audit %1 : %2</translation>
    </message>
    <message>
        <source>The audit key %1 holds %2 bytes; it needs at least %3</source>
        <translation>La clé d&apos;audit %1 contient %2 octets ; il lui en faut au moins %3</translation>
    </message>
    <message>
        <source>The folder of the audit key %1 does not exist</source>
        <translation>Le dossier de la clé d&apos;audit %1 n&apos;existe pas</translation>
    </message>
    <message>
        <source>The system could not generate a secure audit key</source>
        <translation>Le système n&apos;a pas pu générer de clé d&apos;audit sûre</translation>
    </message>
    <message>
        <source>Cannot create the audit key %1: %2</source>
        <translation>Impossible de créer la clé d&apos;audit %1 : %2</translation>
    </message>
    <message>
        <source>Cannot write the audit key %1</source>
        <translation>Impossible d&apos;écrire la clé d&apos;audit %1</translation>
    </message>
    <message>
        <source>Cannot read the checkpoint file %1: %2</source>
        <translation>Impossible de lire le fichier de points de contrôle %1 : %2</translation>
    </message>
    <message>
        <source>The checkpoint file %1 was not written with this audit key</source>
        <translation>Le fichier de points de contrôle %1 n&apos;a pas été écrit avec cette clé d&apos;audit</translation>
    </message>
    <message>
        <source>The checkpoint file %1 is not authentic (its MAC does not verify)</source>
        <translation>Le fichier de points de contrôle %1 n&apos;est pas authentique (son MAC ne se vérifie pas)</translation>
    </message>
    <message>
        <source>Cannot write the checkpoint file %1: %2</source>
        <translation>Impossible d’écrire le fichier de point de contrôle %1 : %2</translation>
    </message>
</context>
<context>
    <name>Portcullis::Auth</name>
    <message>
        <source>Wrong email or password</source>
        <translation>Adresse e-mail ou mot de passe incorrect</translation>
    </message>
    <message>
        <source>Enter your email and password</source>
        <translation>Saisissez votre adresse e-mail et votre mot de passe</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>Obligatoire</translation>
    </message>
    <message>
        <source>Recording the sign-in</source>
        <translation>Enregistrement de la connexion</translation>
    </message>
    <message>
        <source>Opening the session</source>
        <translation>Ouverture de la session</translation>
    </message>
    <message>
        <source>Ending the session</source>
        <translation>Fermeture de la session</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Vérification du compte</translation>
    </message>
</context>
<context>
    <name>Portcullis::BetterAuth</name>
    <message>
        <source>Your session has ended; sign in again</source>
        <translation>Votre session a pris fin ; reconnectez-vous</translation>
    </message>
    <message>
        <source>The server sent an answer that is not valid JSON</source>
        <translation>Le serveur a envoyé une réponse qui n&apos;est pas du JSON valide</translation>
    </message>
    <message>
        <source>better-auth at %1</source>
        <translation>better-auth sur %1</translation>
    </message>
    <message>
        <source>This server has no role catalog: roles are names without levels.</source>
        <translation>Ce serveur n&apos;a pas de catalogue de rôles : les rôles sont des noms sans niveau.</translation>
    </message>
    <message>
        <source>This server has no permission catalog.</source>
        <translation>Ce serveur n&apos;a pas de catalogue de permissions.</translation>
    </message>
    <message>
        <source>This server keeps no audit log.</source>
        <translation>Ce serveur ne tient pas de journal d&apos;audit.</translation>
    </message>
    <message>
        <source>This server keeps no statistics; the users list shows the total.</source>
        <translation>Ce serveur ne tient pas de statistiques ; la liste des utilisateurs en montre le total.</translation>
    </message>
    <message>
        <source>This server lists sessions only per user: choose a user to see their sessions.</source>
        <translation>Ce serveur ne liste les sessions que par utilisateur : choisissez un utilisateur pour voir ses sessions.</translation>
    </message>
    <message>
        <source>This server cannot suspend users; ban them instead.</source>
        <translation>Ce serveur ne peut pas suspendre d&apos;utilisateurs ; bannissez-les plutôt.</translation>
    </message>
    <message>
        <source>Users of this server belong to no single organization.</source>
        <translation>Les utilisateurs de ce serveur n&apos;appartiennent à aucune organisation unique.</translation>
    </message>
    <message>
        <source>This server cannot import or export users.</source>
        <translation>Ce serveur ne peut ni importer ni exporter d&apos;utilisateurs.</translation>
    </message>
    <message>
        <source>This server&apos;s settings live in its code, not in the console.</source>
        <translation>Les paramètres de ce serveur se trouvent dans son code, pas dans la console.</translation>
    </message>
    <message>
        <source>This server runs no maintenance from the console.</source>
        <translation>Ce serveur n&apos;exécute aucune maintenance depuis la console.</translation>
    </message>
    <message>
        <source>This server hands out no password reset codes to administrators.</source>
        <translation>Ce serveur ne remet aux administrateurs aucun code de réinitialisation de mot de passe.</translation>
    </message>
    <message>
        <source>This server cannot rotate API keys or change their scopes.</source>
        <translation>Ce serveur ne peut ni renouveler les clés d&apos;API ni modifier leurs portées.</translation>
    </message>
    <message>
        <source>This server&apos;s organizations have no plans, seat limits or suspension.</source>
        <translation>Les organisations de ce serveur n&apos;ont ni offres, ni limites de places, ni suspension.</translation>
    </message>
    <message>
        <source>Users of this server have no username, only an email address.</source>
        <translation>Les utilisateurs de ce serveur n&apos;ont pas de nom d&apos;utilisateur, seulement une adresse e-mail.</translation>
    </message>
    <message>
        <source>On this server administrators manage only their own API keys.</source>
        <translation>Sur ce serveur, les administrateurs ne gèrent que leurs propres clés d&apos;API.</translation>
    </message>
    <message>
        <source>No network access</source>
        <translation>Aucun accès au réseau</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1: %2</source>
        <translation>Impossible de joindre le serveur %1 : %2</translation>
    </message>
    <message>
        <source>The server at %1 cannot serve requests right now</source>
        <translation>Le serveur %1 ne peut pas traiter de requêtes pour le moment</translation>
    </message>
    <message>
        <source>Wrong email or password</source>
        <translation>Adresse e-mail ou mot de passe incorrect</translation>
    </message>
    <message>
        <source>This account is banned</source>
        <translation>Ce compte est banni</translation>
    </message>
    <message>
        <source>A user with this email address already exists</source>
        <translation>Un utilisateur avec cette adresse e-mail existe déjà</translation>
    </message>
    <message>
        <source>The user no longer exists on the server</source>
        <translation>L&apos;utilisateur n&apos;existe plus sur le serveur</translation>
    </message>
    <message>
        <source>This is not a valid email address</source>
        <translation>Ce n&apos;est pas une adresse e-mail valide</translation>
    </message>
    <message>
        <source>The password is too short</source>
        <translation>Le mot de passe est trop court</translation>
    </message>
    <message>
        <source>The password is too long</source>
        <translation>Le mot de passe est trop long</translation>
    </message>
    <message>
        <source>You cannot do this to your own account</source>
        <translation>Vous ne pouvez pas faire cela à votre propre compte</translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1)</source>
        <translation>Le serveur a refusé la requête (HTTP %1)</translation>
    </message>
    <message>
        <source>The server refused the request: %1</source>
        <translation>Le serveur a refusé la requête : %1</translation>
    </message>
    <message>
        <source>The server does not know this request or record</source>
        <translation>Le serveur ne connaît pas cette requête ou cet enregistrement</translation>
    </message>
    <message>
        <source>Too many requests: wait %1 seconds and try again.</source>
        <translation>Trop de requêtes : attendez %1 secondes et réessayez.</translation>
    </message>
    <message>
        <source>The server failed (HTTP %1): %2</source>
        <translation>Le serveur a échoué (HTTP %1) : %2</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>aucune raison donnée</translation>
    </message>
    <message>
        <source>The server signed in without a bearer token: is better-auth&apos;s bearer plugin enabled?</source>
        <translation>Le serveur a ouvert la session sans jeton bearer : le plugin bearer de better-auth est-il activé ?</translation>
    </message>
    <message>
        <source>%1 is not an administrator of this better-auth server: the console needs an account with the admin role</source>
        <translation>%1 n&apos;est pas administrateur de ce serveur better-auth : la console a besoin d&apos;un compte avec le rôle admin</translation>
    </message>
    <message>
        <source>This server filters users by one thing at a time: choose a role or a status, not both</source>
        <translation>Ce serveur ne filtre les utilisateurs que sur un critère à la fois : choisissez un rôle ou un statut, pas les deux</translation>
    </message>
    <message>
        <source>No such organization</source>
        <translation>Organisation introuvable</translation>
    </message>
    <message>
        <source>Give a reason for the ban</source>
        <translation>Indiquez un motif pour le bannissement</translation>
    </message>
    <message>
        <source>The ban must end in the future</source>
        <translation>Le bannissement doit se terminer dans le futur</translation>
    </message>
    <message>
        <source>%1 is not banned</source>
        <translation>%1 n&apos;est pas banni</translation>
    </message>
    <message>
        <source>Enter your current password</source>
        <translation>Saisissez votre mot de passe actuel</translation>
    </message>
    <message>
        <source>A user keeps at least one role</source>
        <translation>Un utilisateur garde au moins un rôle</translation>
    </message>
    <message>
        <source>List the user&apos;s sessions again: this one is not known</source>
        <translation>Rechargez les sessions de l&apos;utilisateur : celle-ci n&apos;est pas connue</translation>
    </message>
    <message>
        <source>This is the console&apos;s own session: sign out instead</source>
        <translation>C&apos;est la session de la console elle-même : déconnectez-vous plutôt</translation>
    </message>
    <message>
        <source>This would end the console&apos;s own session too: sign out instead</source>
        <translation>Cela mettrait aussi fin à la session de la console : déconnectez-vous plutôt</translation>
    </message>
    <message>
        <source>The key must expire in the future</source>
        <translation>La clé doit expirer dans le futur</translation>
    </message>
    <message>
        <source>No such API key</source>
        <translation>Clé d&apos;API introuvable</translation>
    </message>
    <message>
        <source>Give the organization a name</source>
        <translation>Donnez un nom à l&apos;organisation</translation>
    </message>
    <message>
        <source>No such invitation</source>
        <translation>Invitation introuvable</translation>
    </message>
    <message>
        <source>The current password is not right</source>
        <translation>Le mot de passe actuel est incorrect</translation>
    </message>
    <message>
        <source>This server does not record when users last signed in.</source>
        <translation>Ce serveur n&apos;enregistre pas la dernière connexion des utilisateurs.</translation>
    </message>
    <message>
        <source>This server ends every impersonation after one hour.</source>
        <translation>Ce serveur met fin à chaque usurpation d&apos;identité au bout d&apos;une heure.</translation>
    </message>
    <message>
        <source>This server sets API-key rate limits in its own configuration; keys have no address allow-list.</source>
        <translation>Ce serveur fixe les limites de débit des clés d&apos;API dans sa propre configuration ; les clés n&apos;ont pas de liste d&apos;adresses autorisées.</translation>
    </message>
    <message>
        <source>This server decides how long invitations stay valid (48 hours unless configured otherwise).</source>
        <translation>Ce serveur décide de la durée de validité des invitations (48 heures sauf configuration contraire).</translation>
    </message>
</context>
<context>
    <name>Portcullis::Database</name>
    <message>
        <source>No database path or URL given</source>
        <translation>Aucun chemin ni URL de base de données indiqué</translation>
    </message>
    <message>
        <source>Not a valid PostgreSQL URL (postgresql://user:password@host:port/database)</source>
        <translation>URL PostgreSQL non valide (postgresql://user:password@host:port/database)</translation>
    </message>
    <message>
        <source>The PostgreSQL URL names no database</source>
        <translation>L&apos;URL PostgreSQL ne nomme aucune base de données</translation>
    </message>
    <message>
        <source>The Qt SQLite driver is not installed (libqt6sql6-sqlite)</source>
        <translation>Le pilote SQLite de Qt n&apos;est pas installé (libqt6sql6-sqlite)</translation>
    </message>
    <message>
        <source>The database file %1 does not exist</source>
        <translation>Le fichier de base de données %1 n&apos;existe pas</translation>
    </message>
    <message>
        <source>The folder %1 does not exist</source>
        <translation>Le dossier %1 n&apos;existe pas</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>Impossible d&apos;ouvrir %1 : %2</translation>
    </message>
    <message>
        <source>Cannot use %1: %2</source>
        <translation>Impossible d&apos;utiliser %1 : %2</translation>
    </message>
    <message>
        <source>The Qt PostgreSQL driver is not installed (libqt6sql6-psql)</source>
        <translation>Le pilote PostgreSQL de Qt n&apos;est pas installé (libqt6sql6-psql)</translation>
    </message>
    <message>
        <source>Cannot connect to %1: %2</source>
        <translation>Impossible de se connecter à %1 : %2</translation>
    </message>
    <message>
        <source>Migration %1 is missing from the build</source>
        <translation>La migration %1 est absente de la compilation</translation>
    </message>
    <message>
        <source>Cannot start migration %1: %2</source>
        <translation>Impossible de démarrer la migration %1 : %2</translation>
    </message>
    <message>
        <source>Migration %1 failed: %2</source>
        <translation>La migration %1 a échoué : %2</translation>
    </message>
    <message>
        <source>Migration %1 could not be recorded: %2</source>
        <translation>La migration %1 n&apos;a pas pu être enregistrée : %2</translation>
    </message>
    <message>
        <source>This database has schema version %1, newer than this version of Portcullis knows (%2): upgrade Portcullis before using it</source>
        <translation>Cette base de données a la version de schéma %1, plus récente que celle que connaît cette version de Portcullis (%2) : mettez Portcullis à jour avant de l&apos;utiliser</translation>
    </message>
    <message>
        <source>Cannot create %1: %2</source>
        <translation>Impossible de créer %1 : %2</translation>
    </message>
    <message>
        <source>Migration %1 needs the database owner: run portcullis-server init --db with the owner&apos;s URL to upgrade the schema, then start again (%2)</source>
        <translation>La migration %1 exige le propriétaire de la base : lancez portcullis-server init --db avec l’URL du propriétaire pour mettre le schéma à jour, puis redémarrez (%2)</translation>
    </message>
    <message>
        <source>Migration %1 needs the PostgreSQL extension named in &quot;%2&quot;: install the server&apos;s contrib modules (Debian: postgresql-contrib) and run portcullis-server init --db with the database owner&apos;s URL, or have a superuser run that statement in this database first (%3)</source>
        <translation>La migration %1 nécessite l’extension PostgreSQL nommée dans « %2 » : installez les modules contrib du serveur (Debian : postgresql-contrib) et exécutez portcullis-server init --db avec l’URL du propriétaire de la base, ou faites d’abord exécuter cette instruction dans cette base par un superutilisateur (%3)</translation>
    </message>
</context>
<context>
    <name>Portcullis::Organizations</name>
    <message>
        <source>Counting the users of the organization</source>
        <translation>Comptage des utilisateurs de l&apos;organisation</translation>
    </message>
    <message>
        <source>Enter the organization&apos;s name.</source>
        <translation>Saisissez le nom de l&apos;organisation.</translation>
    </message>
    <message>
        <source>A name has at most %1 characters.</source>
        <translation>Un nom comporte au plus %1 caractères.</translation>
    </message>
    <message>
        <source>A plan name has between 1 and %1 characters.</source>
        <translation>Un nom d&apos;offre comporte entre 1 et %1 caractères.</translation>
    </message>
    <message>
        <source>An organization allows at least 1 user.</source>
        <translation>Une organisation autorise au moins 1 utilisateur.</translation>
    </message>
    <message>
        <source>Only super admins can create organizations</source>
        <translation>Seuls les super administrateurs peuvent créer des organisations</translation>
    </message>
    <message>
        <source>The organization cannot be created as entered.</source>
        <translation>L&apos;organisation ne peut pas être créée telle que saisie.</translation>
    </message>
    <message>
        <source>Checking the slug</source>
        <translation>Vérification du slug</translation>
    </message>
    <message>
        <source>An organization with the slug %1 already exists</source>
        <translation>Une organisation avec le slug %1 existe déjà</translation>
    </message>
    <message>
        <source>Creating the organization</source>
        <translation>Création de l&apos;organisation</translation>
    </message>
    <message>
        <source>Listing organizations</source>
        <translation>Liste des organisations</translation>
    </message>
    <message>
        <source>Only super admins can change the plan, the user limit or the features</source>
        <translation>Seuls les super administrateurs peuvent modifier l&apos;offre, la limite d&apos;utilisateurs ou les fonctionnalités</translation>
    </message>
    <message>
        <source>The organization cannot be saved as entered.</source>
        <translation>L&apos;organisation ne peut pas être enregistrée telle que saisie.</translation>
    </message>
    <message>
        <source>Saving the organization</source>
        <translation>Enregistrement de l&apos;organisation</translation>
    </message>
    <message>
        <source>No organization with id %1</source>
        <translation>Aucune organisation avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>Only super admins can suspend or reactivate organizations</source>
        <translation>Seuls les super administrateurs peuvent suspendre ou réactiver des organisations</translation>
    </message>
    <message>
        <source>You cannot suspend your own organization</source>
        <translation>Vous ne pouvez pas suspendre votre propre organisation</translation>
    </message>
    <message>
        <source>Reactivating the organization</source>
        <translation>Réactivation de l&apos;organisation</translation>
    </message>
    <message>
        <source>Suspending the organization</source>
        <translation>Suspension de l&apos;organisation</translation>
    </message>
    <message>
        <source>Only super admins can wipe out organizations</source>
        <translation>Seuls les super administrateurs peuvent effacer des organisations</translation>
    </message>
    <message>
        <source>You cannot wipe out your own organization</source>
        <translation>Vous ne pouvez pas effacer votre propre organisation</translation>
    </message>
    <message>
        <source>Type the slug %1 to confirm that everything in %2 is deleted for good.</source>
        <translation>Saisissez le slug %1 pour confirmer que tout le contenu de %2 sera supprimé définitivement.</translation>
    </message>
    <message>
        <source>Counting the data of the organization</source>
        <translation>Comptage des données de l&apos;organisation</translation>
    </message>
    <message>
        <source>Wiping out the organization</source>
        <translation>Effacement de l&apos;organisation</translation>
    </message>
    <message>
        <source>An invitation is valid for 1 to %1 days.</source>
        <translation>Une invitation est valable de 1 à %1 jours.</translation>
    </message>
    <message>
        <source>%1 is suspended; reactivate it before inviting</source>
        <translation>%1 est suspendue ; réactivez-la avant d&apos;inviter</translation>
    </message>
    <message>
        <source>No role %1 in %2</source>
        <translation>Aucun rôle %1 dans %2</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Le système n&apos;a pas pu générer de jeton sécurisé</translation>
    </message>
    <message>
        <source>Checking the email address</source>
        <translation>Vérification de l&apos;adresse e-mail</translation>
    </message>
    <message>
        <source>A user with the email address %1 already exists</source>
        <translation>Un utilisateur avec l&apos;adresse e-mail %1 existe déjà</translation>
    </message>
    <message>
        <source>Checking the pending invitations</source>
        <translation>Vérification des invitations en attente</translation>
    </message>
    <message>
        <source>%1 already has a pending invitation; revoke it to send a new one</source>
        <translation>%1 a déjà une invitation en attente ; révoquez-la pour en envoyer une nouvelle</translation>
    </message>
    <message>
        <source>Creating the invitation</source>
        <translation>Création de l&apos;invitation</translation>
    </message>
    <message>
        <source>Listing invitations</source>
        <translation>Liste des invitations</translation>
    </message>
    <message>
        <source>Loading the invitation</source>
        <translation>Chargement de l&apos;invitation</translation>
    </message>
    <message>
        <source>The invitation for %1 was already accepted</source>
        <translation>L&apos;invitation pour %1 a déjà été acceptée</translation>
    </message>
    <message>
        <source>Revoking the invitation</source>
        <translation>Révocation de l&apos;invitation</translation>
    </message>
    <message>
        <source>The invitation for %1 is no longer pending</source>
        <translation>L&apos;invitation pour %1 n&apos;est plus en attente</translation>
    </message>
    <message>
        <source>This invitation link is not valid</source>
        <translation>Ce lien d&apos;invitation n&apos;est pas valide</translation>
    </message>
    <message>
        <source>Looking up the invitation</source>
        <translation>Recherche de l&apos;invitation</translation>
    </message>
    <message>
        <source>This invitation was already used; sign in instead</source>
        <translation>Cette invitation a déjà été utilisée ; connectez-vous plutôt</translation>
    </message>
    <message>
        <source>This invitation was revoked; ask for a new one</source>
        <translation>Cette invitation a été révoquée ; demandez-en une nouvelle</translation>
    </message>
    <message>
        <source>This invitation has expired; ask for a new one</source>
        <translation>Cette invitation a expiré ; demandez-en une nouvelle</translation>
    </message>
    <message>
        <source>A full name has at most %1 characters.</source>
        <translation>Un nom complet comporte au plus %1 caractères.</translation>
    </message>
    <message>
        <source>The account cannot be created as entered.</source>
        <translation>Le compte ne peut pas être créé tel que saisi.</translation>
    </message>
    <message>
        <source>%1 is suspended; the invitation cannot be used now</source>
        <translation>%1 est suspendue ; l&apos;invitation ne peut pas être utilisée pour le moment</translation>
    </message>
    <message>
        <source>The role %1 of this invitation no longer exists; ask for a new invitation</source>
        <translation>Le rôle %1 de cette invitation n&apos;existe plus ; demandez une nouvelle invitation</translation>
    </message>
    <message>
        <source>The password could not be hashed; try again</source>
        <translation>Le mot de passe n&apos;a pas pu être haché ; réessayez</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Vérification du compte</translation>
    </message>
    <message>
        <source>An account with the email address %1 already exists</source>
        <translation>Un compte avec l&apos;adresse e-mail %1 existe déjà</translation>
    </message>
    <message>
        <source>The username %1 is taken; choose another</source>
        <translation>Le nom d&apos;utilisateur %1 est déjà pris ; choisissez-en un autre</translation>
    </message>
    <message>
        <source>Creating the account</source>
        <translation>Création du compte</translation>
    </message>
    <message>
        <source>Giving the account its role</source>
        <translation>Attribution du rôle au compte</translation>
    </message>
    <message>
        <source>Marking the invitation as used</source>
        <translation>Marquage de l&apos;invitation comme utilisée</translation>
    </message>
</context>
<context>
    <name>Portcullis::Policy</name>
    <message>
        <source>You</source>
        <translation>vous</translation>
    </message>
    <message>
        <source>Missing permission %1</source>
        <translation>Permission manquante : %1</translation>
    </message>
    <message>
        <source>Only super admins can change global objects</source>
        <translation>Seuls les super administrateurs peuvent modifier les objets globaux</translation>
    </message>
    <message>
        <source>Only super admins can act outside their organization</source>
        <translation>Seuls les super administrateurs peuvent agir hors de leur organisation</translation>
    </message>
    <message>
        <source>You cannot do this to your own account</source>
        <translation>Vous ne pouvez pas faire cela à votre propre compte</translation>
    </message>
    <message>
        <source>Your level (%1) must be above the level of %2 (%3)</source>
        <translation>Votre niveau (%1) doit être supérieur à celui de %2 (%3)</translation>
    </message>
    <message>
        <source>this user</source>
        <translation>cet utilisateur</translation>
    </message>
    <message>
        <source>Role belongs to another organization</source>
        <translation>Le rôle appartient à une autre organisation</translation>
    </message>
    <message>
        <source>%1 (level %2) cannot assign %3 (level %4)</source>
        <translation>Pour %1 (niveau %2), impossible d&apos;attribuer %3 (niveau %4)</translation>
    </message>
    <message>
        <source>Nobody can raise their own privileges (%1 is level %2, yours is %3)</source>
        <translation>Personne ne peut élever ses propres privilèges (%1 est de niveau %2, le vôtre est %3)</translation>
    </message>
    <message>
        <source>Nobody can raise their own privileges (%1 brings %2)</source>
        <translation>Personne ne peut élever ses propres privilèges (%1 apporte %2)</translation>
    </message>
    <message>
        <source>%1 (level %2) cannot change the roles of a user at level %3</source>
        <translation>Pour %1 (niveau %2), impossible de modifier les rôles d&apos;un utilisateur de niveau %3</translation>
    </message>
    <message>
        <source>API keys cannot impersonate users</source>
        <translation>Les clés d&apos;API ne peuvent pas emprunter l&apos;identité d&apos;utilisateurs</translation>
    </message>
    <message>
        <source>Only super admins can impersonate users</source>
        <translation>Seuls les super administrateurs peuvent emprunter l&apos;identité d&apos;utilisateurs</translation>
    </message>
    <message>
        <source>You cannot impersonate yourself</source>
        <translation>Vous ne pouvez pas emprunter votre propre identité</translation>
    </message>
    <message>
        <source>Super admins cannot be impersonated</source>
        <translation>L&apos;identité des super administrateurs ne peut pas être empruntée</translation>
    </message>
    <message>
        <source>Built-in roles cannot be changed</source>
        <translation>Les rôles intégrés ne peuvent pas être modifiés</translation>
    </message>
    <message>
        <source>The role&apos;s level (%1) must be below your level (%2)</source>
        <translation>Le niveau du rôle (%1) doit être inférieur au vôtre (%2)</translation>
    </message>
    <message>
        <source>Only super admins can change global roles</source>
        <translation>Seuls les super administrateurs peuvent modifier les rôles globaux</translation>
    </message>
    <message>
        <source>You cannot give a role the permission %1, which you do not hold</source>
        <translation>Vous ne pouvez pas donner à un rôle la permission %1, que vous ne détenez pas</translation>
    </message>
    <message>
        <source>Use at least %1 characters.</source>
        <translation>Utilisez au moins %1 caractères.</translation>
    </message>
    <message>
        <source>Use at most %1 characters.</source>
        <translation>Utilisez au plus %1 caractères.</translation>
    </message>
    <message>
        <source>Add an upper-case letter.</source>
        <translation>Ajoutez une majuscule.</translation>
    </message>
    <message>
        <source>Add a lower-case letter.</source>
        <translation>Ajoutez une minuscule.</translation>
    </message>
    <message>
        <source>Add a digit.</source>
        <translation>Ajoutez un chiffre.</translation>
    </message>
    <message>
        <source>Add a special character (such as ! or #).</source>
        <translation>Ajoutez un caractère spécial (comme ! ou #).</translation>
    </message>
    <message>
        <source>Enter an email address.</source>
        <translation>Saisissez une adresse e-mail.</translation>
    </message>
    <message>
        <source>An email address has at most %1 characters.</source>
        <translation>Une adresse e-mail comporte au plus %1 caractères.</translation>
    </message>
    <message>
        <source>Enter an email address like name@example.com.</source>
        <translation>Saisissez une adresse e-mail comme nom@example.com.</translation>
    </message>
    <message>
        <source>A username has between 3 and %1 characters.</source>
        <translation>Un nom d&apos;utilisateur comporte entre 3 et %1 caractères.</translation>
    </message>
    <message>
        <source>A username may only contain letters, digits, dots, hyphens and underscores.</source>
        <translation>Un nom d&apos;utilisateur ne peut contenir que des lettres, des chiffres, des points, des tirets et des traits de soulignement.</translation>
    </message>
    <message>
        <source>A role code starts with a lower-case letter, followed by 1 to 63 lower-case letters, digits or underscores.</source>
        <translation>Un code de rôle commence par une minuscule, suivie de 1 à 63 minuscules, chiffres ou traits de soulignement.</translation>
    </message>
    <message>
        <source>A slug has between 1 and %1 characters.</source>
        <translation>Un slug comporte entre 1 et %1 caractères.</translation>
    </message>
    <message>
        <source>A slug is made of lower-case letters and digits, in groups separated by single hyphens.</source>
        <translation>Un slug se compose de minuscules et de chiffres, en groupes séparés par des tirets simples.</translation>
    </message>
    <message>
        <source>A role can only grant global roles or roles of its own organization (%1 belongs to another)</source>
        <translation>Un rôle ne peut accorder que des rôles globaux ou des rôles de sa propre organisation (%1 appartient à une autre)</translation>
    </message>
    <message>
        <source>You can only grant roles below your own level (%1 is level %2, yours is %3)</source>
        <translation>Vous ne pouvez accorder que des rôles inférieurs à votre propre niveau (%1 est de niveau %2, le vôtre est %3)</translation>
    </message>
    <message>
        <source>API key revoked</source>
        <translation>Clé d&apos;API révoquée</translation>
    </message>
    <message>
        <source>This session was revoked; sign in again</source>
        <translation>Cette session a été révoquée ; reconnectez-vous</translation>
    </message>
    <message>
        <source>API key expired</source>
        <translation>Clé d&apos;API expirée</translation>
    </message>
    <message>
        <source>This session has expired; sign in again</source>
        <translation>Cette session a expiré ; reconnectez-vous</translation>
    </message>
    <message>
        <source>The owner of this API key has been deleted</source>
        <translation>Le propriétaire de cette clé d&apos;API a été supprimé</translation>
    </message>
    <message>
        <source>This account has been deleted</source>
        <translation>Ce compte a été supprimé</translation>
    </message>
    <message>
        <source>This account is locked after too many failed sign-ins; try again after %1 UTC</source>
        <translation>Ce compte est verrouillé après trop d&apos;échecs de connexion ; réessayez après %1 UTC</translation>
    </message>
    <message>
        <source>The owner of this API key is banned</source>
        <translation>Le propriétaire de cette clé d&apos;API est banni</translation>
    </message>
    <message>
        <source>This account is banned: %1</source>
        <translation>Ce compte est banni : %1</translation>
    </message>
    <message>
        <source> (until %1 UTC)</source>
        <translation> (jusqu&apos;au %1 UTC)</translation>
    </message>
    <message>
        <source>This account is banned</source>
        <translation>Ce compte est banni</translation>
    </message>
    <message>
        <source>The owner of this API key is suspended</source>
        <translation>Le propriétaire de cette clé d&apos;API est suspendu</translation>
    </message>
    <message>
        <source>This account is suspended; ask an administrator to reactivate it</source>
        <translation>Ce compte est suspendu ; demandez à un administrateur de le réactiver</translation>
    </message>
    <message>
        <source>This account is suspended</source>
        <translation>Ce compte est suspendu</translation>
    </message>
    <message>
        <source>The organization of this API key is suspended</source>
        <translation>L&apos;organisation de cette clé d&apos;API est suspendue</translation>
    </message>
    <message>
        <source>The organization %1 is suspended</source>
        <translation>L&apos;organisation %1 est suspendue</translation>
    </message>
    <message>
        <source>This organization is suspended</source>
        <translation>Cette organisation est suspendue</translation>
    </message>
    <message>
        <source>Your level (%1) must be above the level of %2 (%3) to invite with it</source>
        <translation>Votre niveau (%1) doit être supérieur à celui de %2 (%3) pour inviter avec ce rôle</translation>
    </message>
    <message>
        <source>%1 has reached its plan limit of %2 users (pending invitations included)</source>
        <translation>%1 a atteint la limite de son offre (%2 utilisateurs, invitations en attente comprises)</translation>
    </message>
    <message>
        <source>The plan of %1 allows at most %2 users, counting pending invitations; remove a user, revoke an invitation or raise the plan limit first.</source>
        <translation>L&apos;offre de %1 autorise au plus %2 utilisateurs, invitations en attente comprises ; retirez d&apos;abord un utilisateur, révoquez une invitation ou relevez la limite de l&apos;offre.</translation>
    </message>
    <message>
        <source>%1 has reached its plan limit of %2 users; ask an administrator</source>
        <translation>%1 a atteint la limite de son offre (%2 utilisateurs) ; adressez-vous à un administrateur</translation>
    </message>
    <message>
        <source>%1 is not a known permission.</source>
        <translation>%1 n&apos;est pas une permission connue.</translation>
    </message>
    <message>
        <source>%1 does not hold the permission %2, so the key cannot carry it.</source>
        <translation>%1 ne détient pas la permission %2 ; la clé ne peut donc pas la porter.</translation>
    </message>
    <message>
        <source>This API key does not hold %1, so it cannot give it to a new key.</source>
        <translation>Cette clé d&apos;API ne détient pas %1 et ne peut donc pas l&apos;accorder à une nouvelle clé.</translation>
    </message>
    <message>
        <source>API key lacks scope %1</source>
        <translation>La clé d&apos;API n&apos;a pas la portée %1</translation>
    </message>
    <message>
        <source>The owner of this API key no longer holds %1</source>
        <translation>Le propriétaire de cette clé d&apos;API ne détient plus %1</translation>
    </message>
    <message>
        <source>A permission code has between 1 and %1 characters.</source>
        <translation>Un code de permission compte entre 1 et %1 caractères.</translation>
    </message>
    <message>
        <source>A permission code reads &lt;organization slug&gt;:&lt;resource&gt;:&lt;action&gt;, in lower-case letters, digits, &apos;_&apos; and &apos;-&apos;, each part starting with a letter (at most %1 characters).</source>
        <translation>Un code de permission s’écrit &lt;slug de l’organisation&gt;:&lt;ressource&gt;:&lt;action&gt;, en lettres minuscules, chiffres, « _ » et « - », chaque partie commençant par une lettre (au plus %1 caractères).</translation>
    </message>
    <message>
        <source>Custom permission codes belong to an organization</source>
        <translation>Les codes de permission personnalisés appartiennent à une organisation</translation>
    </message>
    <message>
        <source>%1 would shadow a built-in permission: custom codes cannot start with %2:</source>
        <translation>%1 masquerait une permission intégrée : un code personnalisé ne peut pas commencer par %2:</translation>
    </message>
    <message>
        <source>The slug of %1 (%2) is reserved by Portcullis, so it cannot have custom codes</source>
        <translation>Le slug de %1 (%2) est réservé par Portcullis ; elle ne peut donc pas avoir de codes personnalisés</translation>
    </message>
    <message>
        <source>Custom codes of %1 start with its slug: %2:</source>
        <translation>Les codes personnalisés de %1 commencent par son slug : %2:</translation>
    </message>
    <message>
        <source>Only super admins can move users to another organization</source>
        <translation>Seuls les super-administrateurs peuvent déplacer des utilisateurs vers une autre organisation</translation>
    </message>
</context>
<context>
    <name>Portcullis::Rest</name>
    <message>
        <source>Your session has ended; sign in again</source>
        <translation>Votre session a pris fin ; reconnectez-vous</translation>
    </message>
    <message>
        <source>The server sent an answer that is not valid JSON</source>
        <translation>Le serveur a envoyé une réponse qui n&apos;est pas du JSON valide</translation>
    </message>
    <message>
        <source>%1 holds no PEM certificate</source>
        <translation>%1 ne contient aucun certificat PEM</translation>
    </message>
    <message>
        <source>The request was cancelled</source>
        <translation>La requête a été annulée</translation>
    </message>
    <message>
        <source>No network access</source>
        <translation>Aucun accès au réseau</translation>
    </message>
    <message>
        <source>%1 did not answer within %2 seconds</source>
        <translation>%1 n&apos;a pas répondu dans les %2 secondes</translation>
    </message>
    <message>
        <source>Cannot reach %1: the secure connection failed (%2)</source>
        <translation>Impossible de joindre %1 : la connexion sécurisée a échoué (%2)</translation>
    </message>
    <message>
        <source>Cannot reach %1: the connection closed before the answer was complete</source>
        <translation>Impossible de joindre %1 : la connexion s&apos;est fermée avant la fin de la réponse</translation>
    </message>
    <message>
        <source>Cannot reach %1: %2</source>
        <translation>Impossible de joindre %1 : %2</translation>
    </message>
    <message>
        <source>The server refused the request (HTTP %1)</source>
        <translation>Le serveur a refusé la requête (HTTP %1)</translation>
    </message>
    <message>
        <source>%1 Someone else changed it: reload and try again.</source>
        <translation>%1 Quelqu&apos;un d&apos;autre l&apos;a modifié : rechargez et réessayez.</translation>
    </message>
    <message>
        <source>Too many requests: wait %1 seconds and try again.</source>
        <translation>Trop de requêtes : attendez %1 secondes et réessayez.</translation>
    </message>
    <message>
        <source>The server failed (HTTP %1): %2</source>
        <translation>Le serveur a échoué (HTTP %1) : %2</translation>
    </message>
    <message>
        <source>The export was cancelled</source>
        <translation>L&apos;export a été annulé</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>Impossible d&apos;écrire %1 : %2</translation>
    </message>
    <message>
        <source>Your session has ended: %1</source>
        <translation>Votre session est terminée : %1</translation>
    </message>
    <message>
        <source>%1 does not exist</source>
        <translation>%1 n’existe pas</translation>
    </message>
    <message>
        <source>Cannot read %1</source>
        <translation>Impossible de lire %1</translation>
    </message>
    <message>
        <source>%1 was reached, but its certificate is not trusted (%2). Choose the certificate of the authority that issued it under &quot;Trusted CA&quot; (or start the console with --ca-file FILE)</source>
        <translation>%1 a été joint, mais son certificat n’est pas de confiance (%2). Choisissez le certificat de l’autorité qui l’a émis sous « AC de confiance » (ou démarrez la console avec --ca-file FICHIER)</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1: %2</source>
        <translation>Impossible de joindre le serveur %1 : %2</translation>
    </message>
    <message>
        <source>The server at %1 cannot serve requests right now</source>
        <translation>Le serveur %1 ne peut pas traiter de requêtes pour le moment</translation>
    </message>
    <message>
        <source>Cannot reach %1: the connection closed without an HTTP answer. If the server uses TLS, connect to https://%2 instead</source>
        <translation>Impossible de joindre %1 : la connexion s’est fermée sans réponse HTTP. Si le serveur utilise TLS, connectez-vous plutôt à https://%2</translation>
    </message>
    <message>
        <source>The server answered with an unexpected body</source>
        <translation>Le serveur a répondu avec un contenu inattendu</translation>
    </message>
</context>
<context>
    <name>Portcullis::Roles</name>
    <message>
        <source>Seeding permissions</source>
        <translation>Création des permissions</translation>
    </message>
    <message>
        <source>Seeding roles</source>
        <translation>Création des rôles</translation>
    </message>
    <message>
        <source>Saving the role&apos;s permissions</source>
        <translation>Enregistrement des permissions du rôle</translation>
    </message>
    <message>
        <source>Saving the role&apos;s grants</source>
        <translation>Enregistrement des rôles attribuables du rôle</translation>
    </message>
    <message>
        <source>Listing roles</source>
        <translation>Liste des rôles</translation>
    </message>
    <message>
        <source>A role needs a name</source>
        <translation>Un rôle doit avoir un nom</translation>
    </message>
    <message>
        <source>Name is longer than %1 characters</source>
        <translation>Le nom dépasse %1 caractères</translation>
    </message>
    <message>
        <source>Description is longer than %1 characters</source>
        <translation>La description dépasse %1 caractères</translation>
    </message>
    <message>
        <source>Unknown permission %1</source>
        <translation>Permission inconnue : %1</translation>
    </message>
    <message>
        <source>Please correct the highlighted fields</source>
        <translation>Veuillez corriger les champs signalés</translation>
    </message>
    <message>
        <source>You cannot grant %1, which you do not hold</source>
        <translation>Vous ne pouvez pas accorder %1, que vous ne détenez pas</translation>
    </message>
    <message>
        <source>Creating the role</source>
        <translation>Création du rôle</translation>
    </message>
    <message>
        <source>A role with code %1 already exists</source>
        <translation>Un rôle avec le code %1 existe déjà</translation>
    </message>
    <message>
        <source>Saving the role</source>
        <translation>Enregistrement du rôle</translation>
    </message>
    <message>
        <source>Checking the role&apos;s assignments</source>
        <translation>Vérification des attributions du rôle</translation>
    </message>
    <message numerus="yes">
        <source>Role %1 is assigned to %n user(s); remove it from them first or delete with cascade</source>
        <translation>
            <numerusform>Le rôle %1 est attribué à %Ln utilisateur ; retirez-le-lui d&apos;abord ou supprimez-le en cascade</numerusform>
            <numerusform>Le rôle %1 est attribué à %Ln utilisateurs ; retirez-le-leur d&apos;abord ou supprimez-le en cascade</numerusform>
        </translation>
    </message>
    <message>
        <source>Deleting the role</source>
        <translation>Suppression du rôle</translation>
    </message>
    <message>
        <source>Role %1 does not have %2</source>
        <translation>Le rôle %1 n&apos;a pas %2</translation>
    </message>
    <message>
        <source>Listing permissions</source>
        <translation>Liste des permissions</translation>
    </message>
    <message>
        <source>Unknown role %1</source>
        <translation>Rôle inconnu %1</translation>
    </message>
    <message>
        <source>Custom role levels go from %1 to %2</source>
        <translation>Les niveaux des rôles personnalisés vont de %1 à %2</translation>
    </message>
    <message>
        <source>Counting the organization&apos;s permission codes</source>
        <translation>Comptage des codes de permission de l’organisation</translation>
    </message>
    <message>
        <source>%1 already has %2 custom permission codes, the most it can have; delete some it no longer uses first</source>
        <translation>%1 a déjà %2 codes de permission personnalisés, le maximum ; supprimez d’abord ceux qui ne servent plus</translation>
    </message>
    <message>
        <source>Defining the permission code</source>
        <translation>Définition du code de permission</translation>
    </message>
    <message>
        <source>The permission code %1 already exists</source>
        <translation>Le code de permission %1 existe déjà</translation>
    </message>
    <message>
        <source>Deleting the permission code</source>
        <translation>Suppression du code de permission</translation>
    </message>
    <message>
        <source>%1 (#%2)</source>
        <translation>%1 (n° %2)</translation>
    </message>
    <message>
        <source>roles: %1</source>
        <translation>rôles : %1</translation>
    </message>
    <message>
        <source>API keys: %1</source>
        <translation>clés d’API : %1</translation>
    </message>
    <message>
        <source>%1 is still in use (%2); take it out of them first</source>
        <translation>%1 est encore utilisé (%2) ; retirez-le d’abord de ceux-ci</translation>
    </message>
</context>
<context>
    <name>Portcullis::SecretStore</name>
    <message>
        <source>No saved credentials</source>
        <translation>Aucun identifiant enregistré</translation>
    </message>
    <message>
        <source>The system keychain is not available (%1). Your credentials are kept in memory for this session only and will not be remembered.</source>
        <translation>Le trousseau du système n&apos;est pas disponible (%1). Vos identifiants sont gardés en mémoire pour cette session uniquement et ne seront pas retenus.</translation>
    </message>
</context>
<context>
    <name>Portcullis::Sessions</name>
    <message>
        <source>Loading a session</source>
        <translation>Chargement d&apos;une session</translation>
    </message>
    <message>
        <source>No session with id %1</source>
        <translation>Aucune session avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>Counting sessions</source>
        <translation>Comptage des sessions</translation>
    </message>
    <message>
        <source>Listing sessions</source>
        <translation>Liste des sessions</translation>
    </message>
    <message>
        <source>Revoking the session</source>
        <translation>Révocation de la session</translation>
    </message>
    <message>
        <source>Revoking the sessions</source>
        <translation>Révocation des sessions</translation>
    </message>
    <message>
        <source>Purging expired sessions</source>
        <translation>Purge des sessions expirées</translation>
    </message>
    <message>
        <source>Say why you impersonate this user; the reason is audited.</source>
        <translation>Indiquez pourquoi vous empruntez l&apos;identité de cet utilisateur ; le motif est consigné dans le journal d&apos;audit.</translation>
    </message>
    <message>
        <source>A reason has at most %1 characters.</source>
        <translation>Un motif comporte au plus %1 caractères.</translation>
    </message>
    <message>
        <source>An impersonation lasts between 1 and %1 minutes.</source>
        <translation>Un emprunt d&apos;identité dure entre 1 et %1 minutes.</translation>
    </message>
    <message>
        <source>The impersonation request is incomplete.</source>
        <translation>La demande d&apos;emprunt d&apos;identité est incomplète.</translation>
    </message>
    <message>
        <source>%1 cannot sign in (%2), so it cannot be impersonated</source>
        <translation>%1 ne peut pas se connecter (%2) ; son identité ne peut donc pas être empruntée</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Le système n&apos;a pas pu générer de jeton sécurisé</translation>
    </message>
    <message>
        <source>Creating the impersonation session</source>
        <translation>Création de la session d&apos;emprunt d&apos;identité</translation>
    </message>
    <message>
        <source>Sign in first: no session token was given</source>
        <translation>Connectez-vous d&apos;abord : aucun jeton de session n&apos;a été fourni</translation>
    </message>
    <message>
        <source>Checking the session</source>
        <translation>Vérification de la session</translation>
    </message>
    <message>
        <source>Unknown session; sign in again</source>
        <translation>Session inconnue ; reconnectez-vous</translation>
    </message>
    <message>
        <source>Refreshing the session</source>
        <translation>Renouvellement de la session</translation>
    </message>
    <message>
        <source>Impersonation is turned off in the deployment settings</source>
        <translation>L’usurpation d’identité est désactivée dans les paramètres du déploiement</translation>
    </message>
</context>
<context>
    <name>Portcullis::Settings</name>
    <message>
        <source>Use on or off.</source>
        <translation>Utilisez activé ou désactivé.</translation>
    </message>
    <message>
        <source>Use 0 (keep forever) or a whole number from %1 to %2.</source>
        <translation>Utilisez 0 (conserver indéfiniment) ou un nombre entier de %1 à %2.</translation>
    </message>
    <message>
        <source>Use a whole number from %1 to %2.</source>
        <translation>Utilisez un nombre entier de %1 à %2.</translation>
    </message>
    <message>
        <source>A refresh token must last at least as long as an access token.</source>
        <translation>Un jeton d’actualisation doit durer au moins aussi longtemps qu’un jeton d’accès.</translation>
    </message>
    <message>
        <source>Some settings are out of range.</source>
        <translation>Certains paramètres sont hors limites.</translation>
    </message>
    <message>
        <source>There is no setting %1.</source>
        <translation>Il n’existe pas de paramètre %1.</translation>
    </message>
    <message>
        <source>Reading the deployment settings</source>
        <translation>Lecture des paramètres du déploiement</translation>
    </message>
    <message>
        <source>Only super admins can see the deployment settings</source>
        <translation>Seuls les super-administrateurs peuvent voir les paramètres du déploiement</translation>
    </message>
    <message>
        <source>Only super admins can change the deployment settings</source>
        <translation>Seuls les super-administrateurs peuvent modifier les paramètres du déploiement</translation>
    </message>
    <message>
        <source>Saving the deployment settings</source>
        <translation>Enregistrement des paramètres du déploiement</translation>
    </message>
    <message>
        <source>Removing expired sessions</source>
        <translation>Suppression des sessions expirées</translation>
    </message>
    <message>
        <source>Removing used and expired tokens</source>
        <translation>Suppression des jetons utilisés et expirés</translation>
    </message>
    <message>
        <source>Removing expired refresh tokens</source>
        <translation>Suppression des jetons d’actualisation expirés</translation>
    </message>
    <message>
        <source>Removing used and expired invitations</source>
        <translation>Suppression des invitations utilisées et expirées</translation>
    </message>
    <message>
        <source>Only super admins can run maintenance</source>
        <translation>Seuls les super-administrateurs peuvent lancer la maintenance</translation>
    </message>
    <message>
        <source>Maintenance is already running</source>
        <translation>La maintenance est déjà en cours</translation>
    </message>
    <message>
        <source>Reading the maintenance runs</source>
        <translation>Lecture des exécutions de maintenance</translation>
    </message>
    <message>
        <source>Recording the maintenance run</source>
        <translation>Enregistrement de l’exécution de maintenance</translation>
    </message>
    <message>
        <source>Only super admins can see the maintenance runs</source>
        <translation>Seuls les super-administrateurs peuvent voir les exécutions de maintenance</translation>
    </message>
</context>
<context>
    <name>Portcullis::SqlBackend</name>
    <message>
        <source>The database is not open</source>
        <translation>La base de données n&apos;est pas ouverte</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>Impossible d&apos;écrire %1 : %2</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>Impossible d&apos;enregistrer %1 : %2</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>Your session has ended: %1</source>
        <translation>Votre session est terminée : %1</translation>
    </message>
    <message>
        <source>Cannot reach the database %1: %2</source>
        <translation>Impossible de joindre la base de données %1 : %2</translation>
    </message>
    <message>
        <source>Checking the database</source>
        <translation>Vérification de la base de données</translation>
    </message>
</context>
<context>
    <name>Portcullis::Stats</name>
    <message>
        <source>Reading the statistics</source>
        <translation>Lecture des statistiques</translation>
    </message>
</context>
<context>
    <name>Portcullis::Store</name>
    <message>
        <source>%1: a record with the same value already exists</source>
        <translation>%1 : un enregistrement avec la même valeur existe déjà</translation>
    </message>
    <message>
        <source>%1: the database is locked by another program; try again in a moment</source>
        <translation>%1 : la base de données est verrouillée par un autre programme ; réessayez dans un instant</translation>
    </message>
    <message>
        <source>%1: the database file is damaged (%2)</source>
        <translation>%1 : le fichier de base de données est endommagé (%2)</translation>
    </message>
    <message>
        <source>%1: lost the connection to the database (%2)</source>
        <translation>%1 : la connexion à la base de données a été perdue (%2)</translation>
    </message>
    <message>
        <source>Starting a transaction</source>
        <translation>Démarrage d&apos;une transaction</translation>
    </message>
    <message>
        <source>Locking the audit chain</source>
        <translation>Verrouillage de la chaîne d&apos;audit</translation>
    </message>
    <message>
        <source>Saving the change</source>
        <translation>Enregistrement de la modification</translation>
    </message>
    <message>
        <source>Reading the audit chain</source>
        <translation>Lecture de la chaîne d&apos;audit</translation>
    </message>
    <message>
        <source>Writing the audit log</source>
        <translation>Écriture du journal d&apos;audit</translation>
    </message>
    <message>
        <source>Loading a user</source>
        <translation>Chargement d&apos;un utilisateur</translation>
    </message>
    <message>
        <source>No user with id %1</source>
        <translation>Aucun utilisateur avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>Looking up the account</source>
        <translation>Recherche du compte</translation>
    </message>
    <message>
        <source>No such account</source>
        <translation>Compte introuvable</translation>
    </message>
    <message>
        <source>Loading a role</source>
        <translation>Chargement d&apos;un rôle</translation>
    </message>
    <message>
        <source>No role with code %1</source>
        <translation>Aucun rôle avec le code %1</translation>
    </message>
    <message>
        <source>No role with id %1</source>
        <translation>Aucun rôle avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>Loading an organization</source>
        <translation>Chargement d&apos;une organisation</translation>
    </message>
    <message>
        <source>No organization with id %1</source>
        <translation>Aucune organisation avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>No audit key is configured: with PostgreSQL give the key file with --audit-key or in %1</source>
        <translation>Aucune clé d&apos;audit n&apos;est configurée : avec PostgreSQL, indiquez le fichier de clé avec --audit-key ou dans %1</translation>
    </message>
    <message>
        <source>The audit key %1 is missing, but this audit log was written with a key; restore the key file from a backup (nothing is written without it)</source>
        <translation>La clé d&apos;audit %1 manque, mais ce journal d&apos;audit a été écrit avec une clé ; restaurez le fichier de clé depuis une sauvegarde (rien n&apos;est écrit sans elle)</translation>
    </message>
    <message>
        <source>No session with id %1</source>
        <translation>Aucune session avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>No API key with id %1</source>
        <translation>Aucune clé d&apos;API avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>No invitation with id %1</source>
        <translation>Aucune invitation avec l&apos;identifiant %1</translation>
    </message>
    <message>
        <source>Checking the account</source>
        <translation>Vérification du compte</translation>
    </message>
    <message>
        <source>Counting the users of the organization</source>
        <translation>Comptage des utilisateurs de l&apos;organisation</translation>
    </message>
    <message>
        <source>Revoking the user&apos;s API keys</source>
        <translation>Révocation des clés d&apos;API de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Recording the failed sign-in</source>
        <translation>Enregistrement de l&apos;échec de connexion</translation>
    </message>
    <message>
        <source>Locking the account</source>
        <translation>Verrouillage du compte</translation>
    </message>
    <message>
        <source>Audit events cannot be written or checked: %1</source>
        <translation>Les événements d’audit ne peuvent être ni écrits ni vérifiés : %1</translation>
    </message>
    <message>
        <source>No audit event #%1</source>
        <translation>Aucun événement d’audit n° %1</translation>
    </message>
    <message>
        <source>Recording the sign-in</source>
        <translation>Enregistrement de la connexion</translation>
    </message>
    <message>
        <source>Locking the job &quot;%1&quot;</source>
        <translation>Verrouillage de la tâche « %1 »</translation>
    </message>
    <message>
        <source>%1: lost the connection to the database</source>
        <translation>%1 : la connexion à la base de données a été perdue</translation>
    </message>
    <message>
        <source>Cannot create the lock file beside %1 for &quot;%2&quot;</source>
        <translation>Impossible de créer le fichier de verrou à côté de %1 pour « %2 »</translation>
    </message>
    <message>
        <source>No permission code %1</source>
        <translation>Aucun code de permission %1</translation>
    </message>
    <message>
        <source>Loading the organization&apos;s permission codes</source>
        <translation>Chargement des codes de permission de l’organisation</translation>
    </message>
</context>
<context>
    <name>Portcullis::Tokens</name>
    <message>
        <source>%1 is deleted</source>
        <translation>%1 est supprimé</translation>
    </message>
    <message>
        <source>%1 is already verified</source>
        <translation>%1 est déjà vérifié</translation>
    </message>
    <message>
        <source>The system could not generate a secure token</source>
        <translation>Le système n&apos;a pas pu générer de jeton sécurisé</translation>
    </message>
    <message>
        <source>Replacing older tokens</source>
        <translation>Remplacement des anciens jetons</translation>
    </message>
    <message>
        <source>Issuing the token</source>
        <translation>Émission du jeton</translation>
    </message>
    <message>
        <source>This link is not valid; ask for a new one</source>
        <translation>Ce lien n&apos;est pas valide ; demandez-en un nouveau</translation>
    </message>
    <message>
        <source>Checking the link</source>
        <translation>Vérification du lien</translation>
    </message>
    <message>
        <source>This link was already used; ask for a new one</source>
        <translation>Ce lien a déjà été utilisé ; demandez-en un nouveau</translation>
    </message>
    <message>
        <source>This link has expired; ask for a new one</source>
        <translation>Ce lien a expiré ; demandez-en un nouveau</translation>
    </message>
    <message>
        <source>Using the link</source>
        <translation>Utilisation du lien</translation>
    </message>
    <message>
        <source>The password could not be hashed; try again</source>
        <translation>Le mot de passe n&apos;a pas pu être haché ; réessayez</translation>
    </message>
    <message>
        <source>This account has been deleted</source>
        <translation>Ce compte a été supprimé</translation>
    </message>
    <message>
        <source>Saving the new password</source>
        <translation>Enregistrement du nouveau mot de passe</translation>
    </message>
    <message>
        <source>Ending the sessions of the account</source>
        <translation>Fermeture des sessions du compte</translation>
    </message>
    <message>
        <source>Marking the email address as verified</source>
        <translation>Marquage de l&apos;adresse e-mail comme vérifiée</translation>
    </message>
</context>
<context>
    <name>Portcullis::UserImport</name>
    <message>
        <source>The file is larger than %1 MB</source>
        <translation>Le fichier dépasse %1 Mo</translation>
    </message>
    <message>
        <source>The file is not UTF-8 text; save it as &quot;CSV UTF-8&quot; and try again</source>
        <translation>Le fichier n’est pas du texte UTF-8 ; enregistrez-le au format « CSV UTF-8 » et réessayez</translation>
    </message>
    <message>
        <source>Could not start the CSV reader</source>
        <translation>Impossible de démarrer le lecteur CSV</translation>
    </message>
    <message>
        <source>The file is not valid CSV after row %1: check the quotes</source>
        <translation>Le fichier n’est pas un CSV valide après la ligne %1 : vérifiez les guillemets</translation>
    </message>
    <message>
        <source>The file has more than %L1 rows</source>
        <translation>Le fichier compte plus de %L1 lignes</translation>
    </message>
    <message>
        <source>The file is empty</source>
        <translation>Le fichier est vide</translation>
    </message>
    <message>
        <source>Unknown column &quot;%1&quot;: the columns are email, username, full name, roles, organization</source>
        <translation>Colonne inconnue « %1 » : les colonnes sont email, username, full name, roles, organization</translation>
    </message>
    <message>
        <source>The column &quot;%1&quot; appears twice</source>
        <translation>La colonne « %1 » apparaît deux fois</translation>
    </message>
    <message>
        <source>The header row must name the columns email and username</source>
        <translation>La ligne d’en-tête doit nommer les colonnes email et username</translation>
    </message>
    <message>
        <source>The row has %1 fields, the header %2</source>
        <translation>La ligne a %1 champs, l’en-tête %2</translation>
    </message>
    <message>
        <source>An earlier row has the same email or username</source>
        <translation>Une ligne précédente a la même adresse e-mail ou le même nom d’utilisateur</translation>
    </message>
    <message>
        <source>Not imported: the import was cancelled</source>
        <translation>Non importé : l’importation a été annulée</translation>
    </message>
</context>
<context>
    <name>Portcullis::Users</name>
    <message>
        <source>Full name is longer than %1 characters</source>
        <translation>Le nom complet dépasse %1 caractères</translation>
    </message>
    <message>
        <source>Please correct the highlighted fields</source>
        <translation>Veuillez corriger les champs signalés</translation>
    </message>
    <message>
        <source>Ending the user&apos;s sessions</source>
        <translation>Fermeture des sessions de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>User %1 has been deleted</source>
        <translation>L&apos;utilisateur %1 a été supprimé</translation>
    </message>
    <message>
        <source>Choose an organization</source>
        <translation>Choisissez une organisation</translation>
    </message>
    <message>
        <source>Organization %1 is suspended</source>
        <translation>L&apos;organisation %1 est suspendue</translation>
    </message>
    <message>
        <source>Could not hash the password</source>
        <translation>Le mot de passe n&apos;a pas pu être haché</translation>
    </message>
    <message>
        <source>Creating the user</source>
        <translation>Création de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Assigning the roles</source>
        <translation>Attribution des rôles</translation>
    </message>
    <message>
        <source>That email or username is already taken</source>
        <translation>Cette adresse e-mail ou ce nom d&apos;utilisateur est déjà pris</translation>
    </message>
    <message>
        <source>Email or username already in use</source>
        <translation>Adresse e-mail ou nom d&apos;utilisateur déjà utilisé</translation>
    </message>
    <message>
        <source>Unknown status filter %1</source>
        <translation>Filtre de statut inconnu : %1</translation>
    </message>
    <message>
        <source>Cannot sort by %1</source>
        <translation>Impossible de trier par %1</translation>
    </message>
    <message>
        <source>Counting users</source>
        <translation>Comptage des utilisateurs</translation>
    </message>
    <message>
        <source>Listing users</source>
        <translation>Liste des utilisateurs</translation>
    </message>
    <message>
        <source>You cannot verify your own account</source>
        <translation>Vous ne pouvez pas vérifier votre propre compte</translation>
    </message>
    <message>
        <source>Saving the user</source>
        <translation>Enregistrement de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>%1 was changed by someone else; reload to see the current values</source>
        <translation>%1 a été modifié par quelqu&apos;un d&apos;autre ; rechargez pour voir les valeurs actuelles</translation>
    </message>
    <message>
        <source>Deleting the user</source>
        <translation>Suppression de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Reason is longer than %1 characters</source>
        <translation>Le motif dépasse %1 caractères</translation>
    </message>
    <message>
        <source>Suspending the user</source>
        <translation>Suspension de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Reactivating the user</source>
        <translation>Réactivation de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>A ban needs a reason</source>
        <translation>Un bannissement nécessite un motif</translation>
    </message>
    <message>
        <source>The ban must end in the future</source>
        <translation>Le bannissement doit se terminer dans le futur</translation>
    </message>
    <message>
        <source>Banning the user</source>
        <translation>Bannissement de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>%1 is not banned</source>
        <translation>%1 n&apos;est pas banni</translation>
    </message>
    <message>
        <source>Lifting the ban</source>
        <translation>Levée du bannissement</translation>
    </message>
    <message>
        <source>Changing the password</source>
        <translation>Changement du mot de passe</translation>
    </message>
    <message>
        <source>%1 already holds %2</source>
        <translation>%1 détient déjà %2</translation>
    </message>
    <message>
        <source>Assigning the role</source>
        <translation>Attribution du rôle</translation>
    </message>
    <message>
        <source>%1 does not hold %2</source>
        <translation>%1 ne détient pas %2</translation>
    </message>
    <message>
        <source>Revoking the role</source>
        <translation>Retrait du rôle</translation>
    </message>
    <message>
        <source>Enter your current password to change it.</source>
        <translation>Saisissez votre mot de passe actuel pour le modifier.</translation>
    </message>
    <message>
        <source>Your current password is not right.</source>
        <translation>Votre mot de passe actuel n&apos;est pas correct.</translation>
    </message>
    <message>
        <source>Too many wrong passwords: try again after %1 UTC</source>
        <translation>Trop de mots de passe erronés : réessayez après %1 UTC</translation>
    </message>
    <message>
        <source>The email %1 is already in use</source>
        <translation>L&apos;adresse e-mail %1 est déjà utilisée</translation>
    </message>
    <message>
        <source>The username %1 is already in use</source>
        <translation>Le nom d&apos;utilisateur %1 est déjà utilisé</translation>
    </message>
    <message>
        <source>The email %1 and the username %2 are already in use</source>
        <translation>L&apos;adresse e-mail %1 et le nom d&apos;utilisateur %2 sont déjà utilisés</translation>
    </message>
    <message>
        <source>%1 already belongs to %2</source>
        <translation>%1 appartient déjà à %2</translation>
    </message>
    <message>
        <source>Organization %1 is suspended; reactivate it before moving users into it</source>
        <translation>L’organisation %1 est suspendue ; réactivez-la avant d’y déplacer des utilisateurs</translation>
    </message>
    <message>
        <source>Reading the user&apos;s roles</source>
        <translation>Lecture des rôles de l’utilisateur</translation>
    </message>
    <message>
        <source>Removing the user&apos;s roles</source>
        <translation>Suppression des rôles de l’utilisateur</translation>
    </message>
    <message>
        <source>Moving the user</source>
        <translation>Déplacement de l’utilisateur</translation>
    </message>
    <message>
        <source>An import takes at most %L1 rows</source>
        <translation>Une importation compte au plus %L1 lignes</translation>
    </message>
    <message>
        <source>Looking up the organizations</source>
        <translation>Recherche des organisations</translation>
    </message>
    <message>
        <source>Looking up existing users</source>
        <translation>Recherche des utilisateurs existants</translation>
    </message>
    <message>
        <source>An earlier row has the same email or username</source>
        <translation>Une ligne précédente a la même adresse e-mail ou le même nom d’utilisateur</translation>
    </message>
    <message>
        <source>A user with this email or username exists; skipped</source>
        <translation>Un utilisateur avec cette adresse e-mail ou ce nom d’utilisateur existe ; ignoré</translation>
    </message>
    <message>
        <source>No organization %1</source>
        <translation>Aucune organisation %1</translation>
    </message>
    <message>
        <source>An invitation carries exactly one role</source>
        <translation>Une invitation porte exactement un rôle</translation>
    </message>
    <message>
        <source>No role %1</source>
        <translation>Aucun rôle %1</translation>
    </message>
    <message>
        <source>You may not assign the role %1</source>
        <translation>Vous ne pouvez pas attribuer le rôle %1</translation>
    </message>
    <message>
        <source>Not imported: the import was cancelled</source>
        <translation>Non importé : l’importation a été annulée</translation>
    </message>
    <message>
        <source>Exporting the users</source>
        <translation>Exportation des utilisateurs</translation>
    </message>
    <message>
        <source>Could not write the export: %1</source>
        <translation>Impossible d’écrire l’exportation : %1</translation>
    </message>
    <message>
        <source>Export cancelled after %1 users</source>
        <translation>Exportation annulée après %1 utilisateurs</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Admin console for multi-tenant auth: tenants, users, roles, API keys, sessions and the audit log.</source>
        <translation>Console d&apos;administration pour l&apos;authentification multi-organisation : organisations, utilisateurs, rôles, clés d&apos;API, sessions et journal d&apos;audit.</translation>
    </message>
    <message>
        <source>Open a SQLite file or a postgresql:// URL.</source>
        <translation>Ouvrir un fichier SQLite ou une URL postgresql://.</translation>
    </message>
    <message>
        <source>Also trust the certificates in this PEM file for --server (a private CA).</source>
        <translation>Faire aussi confiance aux certificats de ce fichier PEM pour --server (une AC privée).</translation>
    </message>
    <message>
        <source>Sign in as this admin.</source>
        <translation>Se connecter en tant que cet administrateur.</translation>
    </message>
    <message>
        <source>Read the password from this file (- for standard input).</source>
        <translation>Lire le mot de passe depuis ce fichier (- pour l&apos;entrée standard).</translation>
    </message>
    <message>
        <source>Open this pane: dashboard, organizations, users, roles, api-keys, sessions or audit.</source>
        <translation>Ouvrir ce volet : dashboard, organizations, users, roles, api-keys, sessions ou audit.</translation>
    </message>
    <message>
        <source>Sign in, open the pane, wait for its data, save a PNG of the window and exit.</source>
        <translation>Se connecter, ouvrir le volet, attendre ses données, enregistrer une image PNG de la fenêtre et quitter.</translation>
    </message>
    <message>
        <source>Use this language (de, fr, en).</source>
        <translation>Utiliser cette langue (de, fr, en).</translation>
    </message>
    <message>
        <source>Unknown language %1; choose one of %2</source>
        <translation>Langue inconnue : %1 ; choisissez parmi %2</translation>
    </message>
    <message>
        <source>With --screenshot: open this dialog over the pane and save it instead of the window (preferences, …).</source>
        <translation>Avec --screenshot : ouvrir cette boîte de dialogue sur le volet et l’enregistrer au lieu de la fenêtre (preferences, …).</translation>
    </message>
    <message>
        <source>Connect to a portcullis-server or a better-auth server.</source>
        <translation>Se connecter à un portcullis-server ou à un serveur better-auth.</translation>
    </message>
    <message>
        <source>The kind of --server: portcullis or better-auth (a better-auth server&apos;s base path, such as https://app.example.com/api/auth). Detected when not given.</source>
        <translation>Le type de --server : portcullis ou better-auth (le chemin de base d&apos;un serveur better-auth, par exemple https://app.example.com/api/auth). Détecté s&apos;il n&apos;est pas indiqué.</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyDetailsPanel</name>
    <message>
        <source>API key details</source>
        <translation>Détails de la clé d&apos;API</translation>
    </message>
    <message>
        <source>Select a key to see its scopes and limits.

Create a key with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Sélectionnez une clé pour voir ses portées et ses limites.

Créez une clé avec Ctrl+N : son secret est affiché une seule fois, puis seul son préfixe reste.</translation>
    </message>
    <message>
        <source>Key:</source>
        <translation>Clé :</translation>
    </message>
    <message>
        <source>Owner:</source>
        <translation>Propriétaire :</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Statut :</translation>
    </message>
    <message>
        <source>Scopes:</source>
        <translation>Portées :</translation>
    </message>
    <message>
        <source>Allowed IPs:</source>
        <translation>IP autorisées :</translation>
    </message>
    <message>
        <source>Rate limit:</source>
        <translation>Limite de débit :</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Créée :</translation>
    </message>
    <message>
        <source>Last used:</source>
        <translation>Dernière utilisation :</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Expire :</translation>
    </message>
    <message>
        <source>none: the key can do nothing</source>
        <translation>aucune : la clé ne peut rien faire</translation>
    </message>
    <message>
        <source>any address</source>
        <translation>toute adresse</translation>
    </message>
    <message>
        <source>%1 requests per minute</source>
        <translation>%1 requêtes par minute</translation>
    </message>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>Old secret:</source>
        <translation>Ancien secret :</translation>
    </message>
    <message>
        <source>refused (rotated %1)</source>
        <translation>refusé (renouvelé le %1)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <source>works until %1; last used %2</source>
        <translation>valable jusqu&apos;au %1 ; dernière utilisation %2</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyDialog</name>
    <message>
        <source>New API key</source>
        <translation>Nouvelle clé d&apos;API</translation>
    </message>
    <message>
        <source>Owner email</source>
        <translation>Adresse e-mail du propriétaire</translation>
    </message>
    <message>
        <source>Email of the user the key acts for</source>
        <translation>Adresse e-mail de l&apos;utilisateur pour lequel la clé agit</translation>
    </message>
    <message>
        <source>Key name</source>
        <translation>Nom de la clé</translation>
    </message>
    <message>
        <source>What uses it, e.g. &quot;CI deploy bot&quot;</source>
        <translation>Ce qui l&apos;utilise, p. ex. « robot de déploiement CI »</translation>
    </message>
    <message>
        <source>Filter scopes</source>
        <translation>Filtrer les portées</translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation>Portées</translation>
    </message>
    <message>
        <source>Expires at the end of</source>
        <translation>Expire à la fin du</translation>
    </message>
    <message>
        <source>The key expires</source>
        <translation>La clé expire</translation>
    </message>
    <message>
        <source>Expiry date</source>
        <translation>Date d&apos;expiration</translation>
    </message>
    <message>
        <source>Rate limit per minute</source>
        <translation>Limite de débit par minute</translation>
    </message>
    <message>
        <source> requests/min</source>
        <translation> requêtes/min</translation>
    </message>
    <message>
        <source>IP allowlist</source>
        <translation>Liste d&apos;IP autorisées</translation>
    </message>
    <message>
        <source>One address or CIDR range per line, e.g. 203.0.113.7 or 10.0.0.0/8.
Empty: any address.</source>
        <translation>Une adresse ou une plage CIDR par ligne, p. ex. 203.0.113.7 ou 10.0.0.0/8.
Vide : toute adresse.</translation>
    </message>
    <message>
        <source>&amp;Owner:</source>
        <translation>&amp;Propriétaire :</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Nom :</translation>
    </message>
    <message>
        <source>&amp;Scopes:</source>
        <translation>Por&amp;tées :</translation>
    </message>
    <message>
        <source>E&amp;xpiry:</source>
        <translation>E&amp;xpiration :</translation>
    </message>
    <message>
        <source>&amp;IP allowlist:</source>
        <translation>Liste d&apos;&amp;IP autorisées :</translation>
    </message>
    <message>
        <source>C&amp;reate key</source>
        <translation>C&amp;réer la clé</translation>
    </message>
    <message>
        <source>The key acts for its owner, limited to the scopes you check. Its secret is shown once, right after it is created.</source>
        <translation>La clé agit pour son propriétaire, limitée aux portées que vous cochez. Son secret est affiché une seule fois, juste après sa création.</translation>
    </message>
    <message>
        <source>Looking for the user…</source>
        <translation>Recherche de l&apos;utilisateur…</translation>
    </message>
    <message>
        <source>Type the email of the user the key acts for.</source>
        <translation>Saisissez l&apos;adresse e-mail de l&apos;utilisateur pour lequel la clé agit.</translation>
    </message>
    <message>
        <source>No user matches “%1”.</source>
        <translation>Aucun utilisateur ne correspond à « %1 ».</translation>
    </message>
    <message numerus="yes">
        <source>%n users match “%1”; type the whole email address.</source>
        <translation>
            <numerusform>%Ln utilisateur correspond à « %1 » ; saisissez l&apos;adresse e-mail complète.</numerusform>
            <numerusform>%Ln utilisateurs correspondent à « %1 » ; saisissez l&apos;adresse e-mail complète.</numerusform>
        </translation>
    </message>
    <message>
        <source>You cannot create keys for %1: %2</source>
        <translation>Vous ne pouvez pas créer de clés pour %1 : %2</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>→ %1 (you)</source>
        <translation>→ %1 (vous)</translation>
    </message>
    <message>
        <source>→ %1</source>
        <translation>→ %1</translation>
    </message>
    <message>
        <source>Loading what the owner holds…</source>
        <translation>Chargement des permissions du propriétaire…</translation>
    </message>
    <message>
        <source>Could not read the owner&apos;s permissions: %1</source>
        <translation>Impossible de lire les permissions du propriétaire : %1</translation>
    </message>
    <message>
        <source>Wildcard: everything the owner holds under %1</source>
        <translation>Joker : tout ce que le propriétaire détient sous %1</translation>
    </message>
    <message>
        <source>Check at least one scope: a key without scopes can do nothing.</source>
        <translation>Cochez au moins une portée : une clé sans portée ne peut rien faire.</translation>
    </message>
    <message numerus="yes">
        <source>%n scope(s) checked of %1 the owner holds</source>
        <translation>
            <numerusform>%Ln portée cochée sur les %1 que détient le propriétaire</numerusform>
            <numerusform>%Ln portées cochées sur les %1 que détient le propriétaire</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose an owner first</source>
        <translation>Choisissez d&apos;abord un propriétaire</translation>
    </message>
    <message>
        <source>Rate &amp;limit:</source>
        <translation>&amp;Limite de débit :</translation>
    </message>
    <message>
        <source>Edit API key</source>
        <translation>Modifier la clé d&apos;API</translation>
    </message>
    <message>
        <source>A key keeps its owner; create a new key for someone else</source>
        <translation>Une clé garde son propriétaire ; créez une nouvelle clé pour quelqu&apos;un d&apos;autre</translation>
    </message>
    <message>
        <source>Loading the key…</source>
        <translation>Chargement de la clé…</translation>
    </message>
    <message>
        <source>Could not load the key: %1</source>
        <translation>Impossible de charger la clé : %1</translation>
    </message>
    <message>
        <source>Edit API key %1</source>
        <translation>Modifier la clé d&apos;API %1</translation>
    </message>
    <message>
        <source>The owner no longer holds %1: uncheck it</source>
        <translation>Le propriétaire ne détient plus %1 : décochez-la</translation>
    </message>
    <message>
        <source>Sa&amp;ve</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>The key keeps its owner and its secret (rotate it for a new secret). Programs using it get the new scopes and limits with their next request.</source>
        <translation>La clé garde son propriétaire et son secret (renouvelez-la pour un nouveau secret). Les programmes qui l&apos;utilisent reçoivent les nouvelles portées et limites dès leur prochaine requête.</translation>
    </message>
    <message>
        <source>A permission code of the owner&apos;s organization</source>
        <translation>Un code de permission de l’organisation du propriétaire</translation>
    </message>
    <message>
        <source>Deployment default</source>
        <translation>Valeur par défaut du déploiement</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeyListModel</name>
    <message>
        <source>Revoked</source>
        <translation>Révoquée</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expirée</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucune</translation>
    </message>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>%1/min</source>
        <translation>%1/min</translation>
    </message>
    <message>
        <source>Only the start of the key is stored in a readable form; the key itself was shown once.</source>
        <translation>Seul le début de la clé est stocké sous forme lisible ; la clé elle-même a été affichée une seule fois.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>Clé</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>Propriétaire</translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation>Portées</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Dernière utilisation</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expire</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Limite de débit</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
</context>
<context>
    <name>portcullis::ApiKeysPane</name>
    <message>
        <source>API keys</source>
        <translation>Clés d&apos;API</translation>
    </message>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>Last used</source>
        <translation>Dernière utilisation</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expire</translation>
    </message>
    <message>
        <source>%1/min</source>
        <translation>%1/min</translation>
    </message>
    <message>
        <source>Rate limit</source>
        <translation>Limite de débit</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>&amp;Revoke…</source>
        <translation>&amp;Révoquer…</translation>
    </message>
    <message>
        <source>&amp;Copy the prefix</source>
        <translation>&amp;Copier le préfixe</translation>
    </message>
    <message>
        <source>Show all keys of this &amp;owner</source>
        <translation>Afficher toutes les clés de ce &amp;propriétaire</translation>
    </message>
    <message>
        <source>Could not load the API keys: %1</source>
        <translation>Impossible de charger les clés d&apos;API : %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Keys of %1</source>
        <translation>Clés de %1</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the API keys:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les clés d&apos;API :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message numerus="yes">
        <source>%n key(s)</source>
        <translation>
            <numerusform>%Ln clé</numerusform>
            <numerusform>%Ln clés</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 has no API keys.
Create one with Ctrl+N, or clear the owner filter to see everyone&apos;s keys.</source>
        <translation>%1 n&apos;a aucune clé d&apos;API.
Créez-en une avec Ctrl+N ou videz le filtre de propriétaire pour voir les clés de tout le monde.</translation>
    </message>
    <message>
        <source>No API keys yet.
Create one with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Aucune clé d&apos;API pour l&apos;instant.
Créez-en une avec Ctrl+N : son secret est affiché une seule fois, puis seul son préfixe reste.</translation>
    </message>
    <message>
        <source>Select a key first</source>
        <translation>Sélectionnez d&apos;abord une clé</translation>
    </message>
    <message>
        <source>This key is already revoked</source>
        <translation>Cette clé est déjà révoquée</translation>
    </message>
    <message>
        <source>Already showing this owner&apos;s keys</source>
        <translation>Les clés de ce propriétaire sont déjà affichées</translation>
    </message>
    <message>
        <source>API key %1</source>
        <translation>Clé d&apos;API %1</translation>
    </message>
    <message>
        <source>The API key &lt;b&gt;%1&lt;/b&gt; for %2 is ready. Send it in the &lt;code&gt;X-API-Key&lt;/code&gt; header.</source>
        <translation>La clé d&apos;API &lt;b&gt;%1&lt;/b&gt; pour %2 est prête. Envoyez-la dans l&apos;en-tête &lt;code&gt;X-API-Key&lt;/code&gt;.</translation>
    </message>
    <message>
        <source>Created the API key %1 (%2)</source>
        <translation>Clé d&apos;API %1 (%2) créée</translation>
    </message>
    <message>
        <source>Revoke API key</source>
        <translation>Révoquer la clé d&apos;API</translation>
    </message>
    <message>
        <source>Revoke the key %1 (%2) of %3? Programs using it are refused from now on. This cannot be undone.</source>
        <translation>Révoquer la clé %1 (%2) de %3 ? Les programmes qui l&apos;utilisent seront refusés dès maintenant. Cette action est irréversible.</translation>
    </message>
    <message>
        <source>Revoked the API key %1</source>
        <translation>Clé d&apos;API %1 révoquée</translation>
    </message>
    <message>
        <source>Copied the prefix %1 (the key itself is never stored)</source>
        <translation>Préfixe %1 copié (la clé elle-même n&apos;est jamais stockée)</translation>
    </message>
    <message>
        <source>API Keys</source>
        <translation>Clés d&apos;API</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Révoquer</translation>
    </message>
    <message>
        <source>Search API keys</source>
        <translation>Rechercher des clés d’API</translation>
    </message>
    <message>
        <source>Search name, key prefix or owner email (Ctrl+F)</source>
        <translation>Rechercher un nom, un préfixe de clé ou l’e-mail du propriétaire (Ctrl+F)</translation>
    </message>
    <message numerus="yes">
        <source>Finds keys whose name or owner email contains the text, and the key a pasted prefix (pk_live_…) or whole key belongs to. Type at least %n character(s).</source>
        <translation>
            <numerusform>Trouve les clés dont le nom ou l’e-mail du propriétaire contient le texte, et la clé à laquelle appartient un préfixe collé (pk_live_…) ou une clé entière. Saisissez au moins %n caractère.</numerusform>
            <numerusform>Trouve les clés dont le nom ou l’e-mail du propriétaire contient le texte, et la clé à laquelle appartient un préfixe collé (pk_live_…) ou une clé entière. Saisissez au moins %n caractères.</numerusform>
        </translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Filtrer par statut</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Tout statut</translation>
    </message>
    <message>
        <source>Active only</source>
        <translation>Actives uniquement</translation>
    </message>
    <message>
        <source>Show everyone&apos;s keys</source>
        <translation>Afficher les clés de tous</translation>
    </message>
    <message>
        <source>Clear the owner filter</source>
        <translation>Effacer le filtre de propriétaire</translation>
    </message>
    <message numerus="yes">
        <source>Type at least %n character(s) to search the keys; all keys are listed meanwhile.</source>
        <translation>
            <numerusform>Saisissez au moins %n caractère pour rechercher les clés ; en attendant, toutes les clés sont affichées.</numerusform>
            <numerusform>Saisissez au moins %n caractères pour rechercher les clés ; en attendant, toutes les clés sont affichées.</numerusform>
        </translation>
    </message>
    <message>
        <source>No API key matches “%1”.
Search a name, a key prefix or an owner email.</source>
        <translation>Aucune clé d’API ne correspond à « %1 ».
Recherchez un nom, un préfixe de clé ou l’e-mail d’un propriétaire.</translation>
    </message>
    <message>
        <source>No API key in %2 matches “%1”.
Search a name, a key prefix or an owner email, or pick all tenants in the tenant switcher.</source>
        <translation>Aucune clé d’API de %2 ne correspond à « %1 ».
Recherchez un nom, un préfixe de clé ou l’e-mail d’un propriétaire, ou choisissez toutes les organisations dans le sélecteur d’organisation.</translation>
    </message>
    <message>
        <source>No API keys in %1.
Create one with Ctrl+N.</source>
        <translation>Aucune clé d’API dans %1.
Créez-en une avec Ctrl+N.</translation>
    </message>
    <message>
        <source>New API key</source>
        <translation>Nouvelle clé d’API</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Modifier…</translation>
    </message>
    <message>
        <source>This key is revoked</source>
        <translation>Cette clé est révoquée</translation>
    </message>
    <message>
        <source>Saved the API key %1</source>
        <translation>Clé d&apos;API %1 enregistrée</translation>
    </message>
    <message>
        <source>The old secret keeps working until %1.</source>
        <translation>L&apos;ancien secret reste valable jusqu&apos;au %1.</translation>
    </message>
    <message>
        <source>The old secret is refused from now on.</source>
        <translation>L&apos;ancien secret est refusé dès maintenant.</translation>
    </message>
    <message>
        <source>The API key &lt;b&gt;%1&lt;/b&gt; of %2 has a new secret. %3</source>
        <translation>La clé d&apos;API &lt;b&gt;%1&lt;/b&gt; de %2 a un nouveau secret. %3</translation>
    </message>
    <message>
        <source>Rotated the API key %1 (%2)</source>
        <translation>Clé d&apos;API %1 renouvelée (%2)</translation>
    </message>
    <message>
        <source>Ro&amp;tate…</source>
        <translation>Re&amp;nouveler…</translation>
    </message>
    <message>
        <source>Only your own keys are listed.</source>
        <translation>Seules vos propres clés sont listées.</translation>
    </message>
    <message>
        <source>Search name or key prefix (Ctrl+F)</source>
        <translation>Rechercher un nom ou un préfixe de clé (Ctrl+F)</translation>
    </message>
    <message>
        <source>You have no API keys yet.
Create one with Ctrl+N: its secret is shown once, then only its prefix remains.</source>
        <translation>Vous n&apos;avez pas encore de clé API.
Créez-en une avec Ctrl+N : son secret n&apos;est affiché qu&apos;une fois, ensuite seul son préfixe reste.</translation>
    </message>
</context>
<context>
    <name>portcullis::AuditDetailsPanel</name>
    <message>
        <source>Event details</source>
        <translation>Détails de l&apos;événement</translation>
    </message>
    <message>
        <source>Select an event to see all of its fields, its details and its hashes.</source>
        <translation>Sélectionnez un événement pour voir tous ses champs, ses détails et ses hachages.</translation>
    </message>
    <message>
        <source>Event:</source>
        <translation>Événement :</translation>
    </message>
    <message>
        <source>Time:</source>
        <translation>Heure :</translation>
    </message>
    <message>
        <source>UTC:</source>
        <translation>UTC :</translation>
    </message>
    <message>
        <source>Actor:</source>
        <translation>Acteur :</translation>
    </message>
    <message>
        <source>Actor type:</source>
        <translation>Type d&apos;acteur :</translation>
    </message>
    <message>
        <source>Organization:</source>
        <translation>Organisation :</translation>
    </message>
    <message>
        <source>Action:</source>
        <translation>Action :</translation>
    </message>
    <message>
        <source>Resource:</source>
        <translation>Ressource :</translation>
    </message>
    <message>
        <source>Outcome:</source>
        <translation>Résultat :</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>Adresse IP :</translation>
    </message>
    <message>
        <source>Previous hash:</source>
        <translation>Hachage précédent :</translation>
    </message>
    <message>
        <source>Hash:</source>
        <translation>Hachage :</translation>
    </message>
    <message>
        <source>&amp;Details (JSON):</source>
        <translation>Détails (&amp;JSON) :</translation>
    </message>
    <message>
        <source>Event details as JSON</source>
        <translation>Détails de l&apos;événement en JSON</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(aucun)</translation>
    </message>
    <message>
        <source>(no details)</source>
        <translation>(aucun détail)</translation>
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
        <translation>système</translation>
    </message>
    <message>
        <source>API key #%1</source>
        <translation>clé d&apos;API n° %1</translation>
    </message>
    <message>
        <source>API key #%1 of %2</source>
        <translation>clé d&apos;API n° %1 de %2</translation>
    </message>
    <message>
        <source>Success</source>
        <translation>Réussite</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Refusé</translation>
    </message>
    <message>
        <source>Denied: %1</source>
        <translation>Refusé : %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Heure</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Acteur</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>Resource</source>
        <translation>Ressource</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>Adresse IP</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>The audit log changed while it was read; press F5</source>
        <translation>Le journal d’audit a changé pendant sa lecture ; appuyez sur F5</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
</context>
<context>
    <name>portcullis::AuditPane</name>
    <message>
        <source>Filter by actor</source>
        <translation>Filtrer par acteur</translation>
    </message>
    <message>
        <source>Email, name or #id</source>
        <translation>E-mail, nom ou n° d&apos;id</translation>
    </message>
    <message>
        <source>An email, a user id (42 or #42), or part of a name that matches exactly one user</source>
        <translation>Une adresse e-mail, un identifiant d&apos;utilisateur (42 ou #42) ou une partie de nom qui correspond à exactement un utilisateur</translation>
    </message>
    <message>
        <source>Filter by action</source>
        <translation>Filtrer par action</translation>
    </message>
    <message>
        <source>An action such as user.banned, or a prefix ending in * such as user.*</source>
        <translation>Une action comme user.banned, ou un préfixe terminé par * comme user.*</translation>
    </message>
    <message>
        <source>Any action</source>
        <translation>Toute action</translation>
    </message>
    <message>
        <source>Filter by resource type</source>
        <translation>Filtrer par type de ressource</translation>
    </message>
    <message>
        <source>Any type</source>
        <translation>Tout type</translation>
    </message>
    <message>
        <source>Filter by resource id</source>
        <translation>Filtrer par identifiant de ressource</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Id</translation>
    </message>
    <message>
        <source>Filter by outcome</source>
        <translation>Filtrer par résultat</translation>
    </message>
    <message>
        <source>Any outcome</source>
        <translation>Tout résultat</translation>
    </message>
    <message>
        <source>Success</source>
        <translation>Réussite</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Refusé</translation>
    </message>
    <message>
        <source>Filter by IP address</source>
        <translation>Filtrer par adresse IP</translation>
    </message>
    <message>
        <source>Any address</source>
        <translation>Toute adresse</translation>
    </message>
    <message>
        <source>Events from (inclusive)</source>
        <translation>Événements à partir du (inclus)</translation>
    </message>
    <message>
        <source>Events before (exclusive)</source>
        <translation>Événements avant le (exclu)</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xporter…</translation>
    </message>
    <message>
        <source>&amp;Verify integrity</source>
        <translation>&amp;Vérifier l&apos;intégrité</translation>
    </message>
    <message>
        <source>C&amp;lear filters</source>
        <translation>Effacer &amp;les filtres</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Only this &amp;actor</source>
        <translation>Seulement cet &amp;acteur</translation>
    </message>
    <message>
        <source>Only this acti&amp;on</source>
        <translation>Seulement cette acti&amp;on</translation>
    </message>
    <message>
        <source>Only this &amp;resource</source>
        <translation>Seulement cette &amp;ressource</translation>
    </message>
    <message>
        <source>Only this &amp;IP address</source>
        <translation>Seulement cette adresse &amp;IP</translation>
    </message>
    <message>
        <source>&amp;Actor:</source>
        <translation>A&amp;cteur :</translation>
    </message>
    <message>
        <source>&amp;Resource:</source>
        <translation>&amp;Ressource :</translation>
    </message>
    <message>
        <source>O&amp;utcome:</source>
        <translation>Rés&amp;ultat :</translation>
    </message>
    <message>
        <source>&amp;IP:</source>
        <translation>&amp;IP :</translation>
    </message>
    <message>
        <source>Audit events</source>
        <translation>Événements d&apos;audit</translation>
    </message>
    <message>
        <source>Could not load the audit log: %1</source>
        <translation>Impossible de charger le journal d&apos;audit : %1</translation>
    </message>
    <message>
        <source>Looking up “%1”…</source>
        <translation>Recherche de « %1 »…</translation>
    </message>
    <message>
        <source>Actor “%1” is %2</source>
        <translation>L&apos;acteur « %1 » est %2</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the audit log:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger le journal d&apos;audit :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message>
        <source>1 event</source>
        <translation>1 événement</translation>
    </message>
    <message numerus="yes">
        <source>%Ln events</source>
        <translation>
            <numerusform>%Ln événement</numerusform>
            <numerusform>%Ln événements</numerusform>
        </translation>
    </message>
    <message>
        <source>%1+ events (scroll for more)</source>
        <translation>%1+ événements (faites défiler pour en voir plus)</translation>
    </message>
    <message>
        <source>No event matches these filters.
Widen the date range or clear the filters (Ctrl+Shift+L).</source>
        <translation>Aucun événement ne correspond à ces filtres.
Élargissez la période ou effacez les filtres (Ctrl+Maj+L).</translation>
    </message>
    <message>
        <source>The audit log is empty.
Every change and every refused attempt will be listed here.</source>
        <translation>Le journal d&apos;audit est vide.
Chaque modification et chaque tentative refusée y figureront.</translation>
    </message>
    <message>
        <source>An export is running</source>
        <translation>Un export est en cours</translation>
    </message>
    <message>
        <source>Export every event that matches the filters to CSV or JSON Lines</source>
        <translation>Exporter en CSV ou JSON Lines tous les événements qui correspondent aux filtres</translation>
    </message>
    <message>
        <source>The check is running</source>
        <translation>La vérification est en cours</translation>
    </message>
    <message>
        <source>Check the hash chain of the whole audit log</source>
        <translation>Vérifier la chaîne de hachage de tout le journal d&apos;audit</translation>
    </message>
    <message>
        <source>Select an event first</source>
        <translation>Sélectionnez d&apos;abord un événement</translation>
    </message>
    <message>
        <source>Copied 1 event</source>
        <translation>1 événement copié</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n events</source>
        <translation>
            <numerusform>%Ln événement copié</numerusform>
            <numerusform>%Ln événements copiés</numerusform>
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
        <translation>Exporter le journal d&apos;audit</translation>
    </message>
    <message>
        <source>Exporting the audit log to %1…</source>
        <translation>Export du journal d&apos;audit vers %1…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>Cancelling the export…</source>
        <translation>Annulation de l&apos;export…</translation>
    </message>
    <message>
        <source>Exporting the audit log to %1…
%2 events written</source>
        <translation>Export du journal d&apos;audit vers %1…
%2 événements écrits</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Export vers %1…</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written</source>
        <translation>Export annulé ; aucun fichier n&apos;a été écrit</translation>
    </message>
    <message>
        <source>Exported %1 events to %2</source>
        <translation>%1 événements exportés vers %2</translation>
    </message>
    <message>
        <source>Checking the audit chain…</source>
        <translation>Vérification de la chaîne d&apos;audit…</translation>
    </message>
    <message>
        <source>Verify integrity</source>
        <translation>Vérifier l&apos;intégrité</translation>
    </message>
    <message>
        <source>Chain intact: %1 events</source>
        <translation>Chaîne intacte : %1 événements</translation>
    </message>
    <message>
        <source>Audit integrity</source>
        <translation>Intégrité de l&apos;audit</translation>
    </message>
    <message>
        <source>Broken at event #%1: %2</source>
        <translation>Rompue à l&apos;événement n° %1 : %2</translation>
    </message>
    <message>
        <source>Audit Log</source>
        <translation>Journal d&apos;audit</translation>
    </message>
    <message>
        <source>A&amp;ction:</source>
        <translation>Ac&amp;tion :</translation>
    </message>
    <message>
        <source>Only super admins verify the chain: it covers every organization</source>
        <translation>Seuls les super administrateurs vérifient la chaîne : elle couvre toutes les organisations</translation>
    </message>
    <message>
        <source>The audit log could not be checked: %1</source>
        <translation>Le journal d’audit n’a pas pu être vérifié : %1</translation>
    </message>
    <message>
        <source>Cancelling the integrity check…</source>
        <translation>Annulation de la vérification d’intégrité…</translation>
    </message>
    <message>
        <source>Integrity check cancelled</source>
        <translation>Vérification d’intégrité annulée</translation>
    </message>
    <message>
        <source>Time range</source>
        <translation>Période</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Toute période</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Dernière heure</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Dernières 24 heures</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>7 derniers jours</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>30 derniers jours</translation>
    </message>
    <message>
        <source>Custom range</source>
        <translation>Période personnalisée</translation>
    </message>
    <message>
        <source>A date and time as the list writes them, such as %1; a date alone means midnight</source>
        <translation>Une date et une heure écrites comme dans la liste, par exemple %1 ; une date seule signifie minuit</translation>
    </message>
    <message>
        <source>any time</source>
        <translation>toute période</translation>
    </message>
    <message>
        <source>now</source>
        <translation>maintenant</translation>
    </message>
    <message>
        <source>Open this &amp;user</source>
        <translation>Ouvrir l&apos;&amp;utilisateur</translation>
    </message>
    <message>
        <source>Open this or&amp;ganization</source>
        <translation>Ouvrir l&apos;or&amp;ganisation</translation>
    </message>
    <message>
        <source>Fro&amp;m:</source>
        <translation>&amp;De :</translation>
    </message>
    <message>
        <source>T&amp;o:</source>
        <translation>&amp;Jusqu&apos;à :</translation>
    </message>
    <message>
        <source>“%1” is not a date the console reads: type it as the list writes dates, such as %2. The list still shows the previous range.</source>
        <translation>« %1 » n&apos;est pas une date que la console sait lire : écrivez-la comme la liste écrit les dates, par exemple %2. La liste affiche toujours la période précédente.</translation>
    </message>
    <message>
        <source>“From” must be before “To”. The list still shows the previous range.</source>
        <translation>« De » doit précéder « Jusqu&apos;à ». La liste affiche toujours la période précédente.</translation>
    </message>
    <message>
        <source>Open &amp;user %1</source>
        <translation>Ouvrir l&apos;&amp;utilisateur %1</translation>
    </message>
    <message>
        <source>The event names no user</source>
        <translation>L&apos;événement ne nomme aucun utilisateur</translation>
    </message>
    <message>
        <source>Open or&amp;ganization %1</source>
        <translation>Ouvrir l&apos;or&amp;ganisation %1</translation>
    </message>
    <message>
        <source>The event belongs to no organization</source>
        <translation>L&apos;événement n&apos;appartient à aucune organisation</translation>
    </message>
    <message>
        <source>&amp;When:</source>
        <translation>&amp;Période :</translation>
    </message>
    <message>
        <source>Follo&amp;w</source>
        <translation>Sui&amp;vre</translation>
    </message>
    <message>
        <source>Show new events as they happen (checks every %1 seconds)</source>
        <translation>Afficher les nouveaux événements dès qu’ils se produisent (vérification toutes les %1 secondes)</translation>
    </message>
    <message>
        <source>Not following: clear the end date to see new events.</source>
        <translation>Suivi impossible : retirez la date de fin pour voir les nouveaux événements.</translation>
    </message>
    <message>
        <source>Stopped following: you scrolled away from the newest events.</source>
        <translation>Suivi arrêté : vous avez quitté les événements les plus récents.</translation>
    </message>
    <message>
        <source>Stopped following: the list ends at a date.</source>
        <translation>Suivi arrêté : la liste s’arrête à une date.</translation>
    </message>
    <message>
        <source>Stopped following: the audit log could not be read.</source>
        <translation>Suivi arrêté : le journal d’audit n’a pas pu être lu.</translation>
    </message>
    <message>
        <source>Only the events this user took part in, as actor or as target. Click to remove this filter.</source>
        <translation>Uniquement les événements auxquels cet utilisateur a pris part, comme acteur ou comme cible. Cliquez pour retirer ce filtre.</translation>
    </message>
    <message>
        <source>Involving %1 ✕</source>
        <translation>Impliquant %1 ✕</translation>
    </message>
    <message>
        <source>Remove the filter: events involving %1</source>
        <translation>Retirer le filtre : événements impliquant %1</translation>
    </message>
</context>
<context>
    <name>portcullis::BanDialog</name>
    <message>
        <source>Ban %1</source>
        <translation>Bannir %1</translation>
    </message>
    <message numerus="yes">
        <source>Ban %n user(s)</source>
        <translation>
            <numerusform>Bannir %Ln utilisateur</numerusform>
            <numerusform>Bannir %Ln utilisateurs</numerusform>
        </translation>
    </message>
    <message>
        <source>A banned user cannot sign in, and all of their sessions end now.</source>
        <translation>Un utilisateur banni ne peut pas se connecter, et toutes ses sessions prennent fin maintenant.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>Why? The reason is shown to admins and recorded in the audit log.</source>
        <translation>Pourquoi ? Le motif est montré aux administrateurs et consigné dans le journal d&apos;audit.</translation>
    </message>
    <message>
        <source>&amp;Lift the ban automatically on</source>
        <translation>&amp;Lever le bannissement automatiquement le</translation>
    </message>
    <message>
        <source>Ban ends</source>
        <translation>Fin du bannissement</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Motif :</translation>
    </message>
    <message>
        <source>&amp;Ban</source>
        <translation>&amp;Bannir</translation>
    </message>
    <message>
        <source>&amp;Preview…</source>
        <translation>&amp;Aperçu…</translation>
    </message>
</context>
<context>
    <name>portcullis::BulkActionDialog</name>
    <message numerus="yes">
        <source>%1 — %n user(s). Check the list, then run.</source>
        <translation>
            <numerusform>%1 — %Ln utilisateur. Vérifiez la liste, puis exécutez.</numerusform>
            <numerusform>%1 — %Ln utilisateurs. Vérifiez la liste, puis exécutez.</numerusform>
        </translation>
    </message>
    <message>
        <source>Users and results</source>
        <translation>Utilisateurs et résultats</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Utilisateur</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Actuel</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <source>Not run yet</source>
        <translation>Pas encore exécuté</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>E&amp;xécuter</translation>
    </message>
    <message>
        <source>%1 succeeded, %2 failed</source>
        <translation>%1 réussi(s), %2 échoué(s)</translation>
    </message>
    <message>
        <source>running…</source>
        <translation>en cours…</translation>
    </message>
    <message>
        <source>done</source>
        <translation>terminé</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>échec : %1</translation>
    </message>
    <message>
        <source>%1 of %2 done</source>
        <translation>%1 sur %2 terminés</translation>
    </message>
</context>
<context>
    <name>portcullis::ConnectDialog</name>
    <message>
        <source>Connect to Portcullis</source>
        <translation>Se connecter à Portcullis</translation>
    </message>
    <message>
        <source>Saved connection</source>
        <translation>Connexion enregistrée</translation>
    </message>
    <message>
        <source>Kind of connection</source>
        <translation>Type de connexion</translation>
    </message>
    <message>
        <source>Local database file (SQLite)</source>
        <translation>Fichier de base de données local (SQLite)</translation>
    </message>
    <message>
        <source>PostgreSQL server</source>
        <translation>Serveur PostgreSQL</translation>
    </message>
    <message>
        <source>Portcullis REST server</source>
        <translation>Serveur REST Portcullis</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Emplacement</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>Parcour&amp;ir…</translation>
    </message>
    <message>
        <source>Email or username</source>
        <translation>Adresse e-mail ou nom d&apos;utilisateur</translation>
    </message>
    <message>
        <source>admin@example.com</source>
        <translation>admin@example.com</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Mot de passe</translation>
    </message>
    <message>
        <source>Kept by the operating system&apos;s keychain, never in Portcullis&apos; settings</source>
        <translation>Conservé par le trousseau du système d&apos;exploitation, jamais dans les paramètres de Portcullis</translation>
    </message>
    <message>
        <source>&amp;Forget saved credentials</source>
        <translation>&amp;Oublier les identifiants enregistrés</translation>
    </message>
    <message>
        <source>&amp;Saved:</source>
        <translation>Enre&amp;gistrée :</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>&amp;Type :</translation>
    </message>
    <message>
        <source>&amp;Location:</source>
        <translation>Emp&amp;lacement :</translation>
    </message>
    <message>
        <source>&amp;Email or username:</source>
        <translation>&amp;E-mail ou nom d&apos;utilisateur :</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>Mot de &amp;passe :</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>Se &amp;connecter</translation>
    </message>
    <message>
        <source>New connection</source>
        <translation>Nouvelle connexion</translation>
    </message>
    <message>
        <source>Forgot the saved password of %1</source>
        <translation>Mot de passe enregistré de %1 oublié</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Connexion en cours…</translation>
    </message>
    <message>
        <source>/path/to/portcullis.db</source>
        <translation>/chemin/vers/portcullis.db</translation>
    </message>
    <message>
        <source>A SQLite database file. A file that does not exist yet can be created.</source>
        <translation>Un fichier de base de données SQLite. Un fichier qui n&apos;existe pas encore peut être créé.</translation>
    </message>
    <message>
        <source>postgresql://user:password@host:5432/database</source>
        <translation>postgresql://utilisateur:motdepasse@hote:5432/base</translation>
    </message>
    <message>
        <source>A PostgreSQL database initialised with portcullis-server init</source>
        <translation>Une base PostgreSQL initialisée avec portcullis-server init</translation>
    </message>
    <message>
        <source>https://iam.example.com</source>
        <translation>https://iam.example.com</translation>
    </message>
    <message>
        <source>The address of a portcullis-server</source>
        <translation>L&apos;adresse d&apos;un portcullis-server</translation>
    </message>
    <message>
        <source>Database file</source>
        <translation>Fichier de base de données</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>Bases de données SQLite (*.db *.sqlite);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Trusted certificate authority file</source>
        <translation>Fichier de l&apos;autorité de certification de confiance</translation>
    </message>
    <message>
        <source>Optional: a PEM file, for a server with a private CA</source>
        <translation>Facultatif : un fichier PEM, pour un serveur avec une AC privée</translation>
    </message>
    <message>
        <source>Certificates in this PEM file are trusted for the server&apos;s TLS certificate, besides the system&apos;s. Leave empty for a server with a publicly trusted certificate.</source>
        <translation>Les certificats de ce fichier PEM sont reconnus pour le certificat TLS du serveur, en plus de ceux du système. Laissez vide pour un serveur dont le certificat est reconnu publiquement.</translation>
    </message>
    <message>
        <source>B&amp;rowse…</source>
        <translation>Pa&amp;rcourir…</translation>
    </message>
    <message>
        <source>Browse for the certificate authority file</source>
        <translation>Rechercher le fichier de l&apos;autorité de certification</translation>
    </message>
    <message>
        <source>Re&amp;member the password in the system keychain</source>
        <translation>Retenir le mot de passe dans le trou&amp;sseau du système</translation>
    </message>
    <message>
        <source>Trusted certificate authority</source>
        <translation>Autorité de certification de confiance</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt);;All files (*)</source>
        <translation>Certificats PEM (*.pem *.crt);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Remember &amp;this connection (never the password)</source>
        <translation>Retenir cette co&amp;nnexion (jamais le mot de passe)</translation>
    </message>
    <message>
        <source>Trusted C&amp;A:</source>
        <translation>AC de con&amp;fiance :</translation>
    </message>
    <message>
        <source>better-auth server</source>
        <translation>Serveur better-auth</translation>
    </message>
    <message>
        <source>https://app.example.com/api/auth</source>
        <translation>https://app.example.com/api/auth</translation>
    </message>
    <message>
        <source>The base path of a better-auth server with the admin plugin (where /ok answers)</source>
        <translation>Le chemin de base d&apos;un serveur better-auth avec le plugin admin (là où /ok répond)</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Adresse e-mail</translation>
    </message>
</context>
<context>
    <name>portcullis::DashboardPane</name>
    <message>
        <source>Overview</source>
        <translation>Vue d&apos;ensemble</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Utilisateurs</translation>
    </message>
    <message>
        <source>Every user that is not deleted</source>
        <translation>Tout utilisateur non supprimé</translation>
    </message>
    <message>
        <source>Active users</source>
        <translation>Utilisateurs actifs</translation>
    </message>
    <message>
        <source>Users who may sign in: not suspended and not banned</source>
        <translation>Utilisateurs autorisés à se connecter : ni suspendus ni bannis</translation>
    </message>
    <message>
        <source>Banned</source>
        <translation>Bannis</translation>
    </message>
    <message>
        <source>Users under a ban that has not expired</source>
        <translation>Utilisateurs sous un bannissement non expiré</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Suspendus</translation>
    </message>
    <message>
        <source>Users suspended until an admin reactivates them</source>
        <translation>Utilisateurs suspendus jusqu&apos;à ce qu&apos;un administrateur les réactive</translation>
    </message>
    <message>
        <source>Active sessions</source>
        <translation>Sessions actives</translation>
    </message>
    <message>
        <source>Sessions neither revoked nor expired</source>
        <translation>Sessions ni révoquées ni expirées</translation>
    </message>
    <message>
        <source>Active API keys</source>
        <translation>Clés d&apos;API actives</translation>
    </message>
    <message>
        <source>API keys neither revoked nor expired</source>
        <translation>Clés d&apos;API ni révoquées ni expirées</translation>
    </message>
    <message>
        <source>Events in 24 h</source>
        <translation>Événements sur 24 h</translation>
    </message>
    <message>
        <source>Audit events written in the last 24 hours</source>
        <translation>Événements d&apos;audit écrits au cours des dernières 24 heures</translation>
    </message>
    <message>
        <source>Activity per day over the last %1 days (UTC)</source>
        <translation>Activité par jour sur les %1 derniers jours (UTC)</translation>
    </message>
    <message>
        <source>Sign-ins, failed sign-ins and admin actions per day</source>
        <translation>Connexions, échecs de connexion et actions d&apos;administration par jour</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Could not load the statistics:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les statistiques :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message>
        <source>Could not load the statistics: %1</source>
        <translation>Impossible de charger les statistiques : %1</translation>
    </message>
    <message>
        <source>Could not load the activity:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger l&apos;activité :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message>
        <source>Could not load the activity: %1</source>
        <translation>Impossible de charger l&apos;activité : %1</translation>
    </message>
    <message>
        <source>Updated %1 · F5 to refresh</source>
        <translation>Mis à jour à %1 · F5 pour actualiser</translation>
    </message>
    <message>
        <source>No activity to show yet.</source>
        <translation>Aucune activité pour l&apos;instant.</translation>
    </message>
    <message>
        <source>Sign-ins</source>
        <translation>Connexions</translation>
    </message>
    <message>
        <source>Failed sign-ins</source>
        <translation>Échecs de connexion</translation>
    </message>
    <message>
        <source>Admin actions</source>
        <translation>Actions d&apos;administration</translation>
    </message>
    <message>
        <source>d MMM</source>
        <extracomment>Date format of the dashboard chart&apos;s axis (QDateTime format: day and short month)</extracomment>
        <translation>d MMM</translation>
    </message>
    <message>
        <source>Events per day</source>
        <translation>Événements par jour</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Tableau de bord</translation>
    </message>
    <message>
        <source>Click to open the list.</source>
        <translation>Cliquez pour ouvrir la liste.</translation>
    </message>
    <message>
        <source>Could not read when maintenance last ran: %1</source>
        <translation>Impossible de lire la dernière maintenance : %1</translation>
    </message>
    <message>
        <source>Maintenance has not run yet. Servers run it every hour; super admins can run it now with Tools &gt; Run maintenance.</source>
        <translation>La maintenance n’a pas encore été exécutée. Les serveurs l’exécutent toutes les heures ; les super-administrateurs peuvent la lancer maintenant avec Outils &gt; Lancer la maintenance.</translation>
    </message>
    <message>
        <source>on the server&apos;s schedule</source>
        <translation>selon la planification du serveur</translation>
    </message>
    <message>
        <source>from a console</source>
        <translation>depuis une console</translation>
    </message>
    <message>
        <source>Maintenance last ran %1 (%2) and failed: %3</source>
        <translation>La dernière maintenance a eu lieu le %1 (%2) et a échoué : %3</translation>
    </message>
    <message>
        <source>Maintenance last ran %1 (%2): removed %3 sessions, %4 tokens, %5 invitations and %6 audit events.</source>
        <translation>La dernière maintenance a eu lieu le %1 (%2) : %3 sessions, %4 jetons, %5 invitations et %6 événements d’audit supprimés.</translation>
    </message>
</context>
<context>
    <name>portcullis::DeploymentSettingsDialog</name>
    <message>
        <source>Deployment settings</source>
        <translation>Paramètres du déploiement</translation>
    </message>
    <message>
        <source>These settings apply to every server and console of this deployment. Servers pick up a change within a few seconds; each change is recorded in the audit log.</source>
        <translation>Ces paramètres s’appliquent à tous les serveurs et consoles de ce déploiement. Les serveurs prennent en compte une modification en quelques secondes ; chaque modification est consignée dans le journal d’audit.</translation>
    </message>
    <message>
        <source>Sign-in</source>
        <translation>Connexion</translation>
    </message>
    <message>
        <source>&amp;Access token lifetime:</source>
        <translation>Durée du jeton d’&amp;accès :</translation>
    </message>
    <message>
        <source>&amp;Refresh token lifetime:</source>
        <translation>Durée du jeton d’ac&amp;tualisation :</translation>
    </message>
    <message>
        <source>Passwords and lockout</source>
        <translation>Mots de passe et verrouillage</translation>
    </message>
    <message>
        <source>&amp;Minimum password length:</source>
        <translation>Longueur &amp;minimale du mot de passe :</translation>
    </message>
    <message>
        <source>&amp;Lock after wrong passwords:</source>
        <translation>Verrouiller a&amp;près des mots de passe erronés :</translation>
    </message>
    <message>
        <source>Lock &amp;duration:</source>
        <translation>&amp;Durée du verrouillage :</translation>
    </message>
    <message>
        <source>API keys</source>
        <translation>Clés API</translation>
    </message>
    <message>
        <source>Impersonation</source>
        <translation>Usurpation d’identité</translation>
    </message>
    <message>
        <source>Default: on</source>
        <translation>Par défaut : activé</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>&amp;Keep audit events for:</source>
        <translation>&amp;Conserver les événements d’audit pendant :</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>Invitations</translation>
    </message>
    <message>
        <source>In&amp;vitations valid for:</source>
        <translation>In&amp;vitations valables pendant :</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>Put every field back to its default; nothing is saved until you save</source>
        <translation>Remettre chaque champ à sa valeur par défaut ; rien n’est enregistré avant l’enregistrement</translation>
    </message>
    <message>
        <source> minutes</source>
        <translation> minutes</translation>
    </message>
    <message numerus="yes">
        <source>Default: %n minute(s)</source>
        <translation>
            <numerusform>Par défaut : %n minute</numerusform>
            <numerusform>Par défaut : %n minutes</numerusform>
        </translation>
    </message>
    <message>
        <source> hours</source>
        <translation> heures</translation>
    </message>
    <message numerus="yes">
        <source>Default: %1 hours (%n day(s))</source>
        <translation>
            <numerusform>Par défaut : %1 heures (%n jour)</numerusform>
            <numerusform>Par défaut : %1 heures (%n jours)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Default: %n hour(s)</source>
        <translation>
            <numerusform>Par défaut : %n heure</numerusform>
            <numerusform>Par défaut : %n heures</numerusform>
        </translation>
    </message>
    <message>
        <source> days</source>
        <translation> jours</translation>
    </message>
    <message numerus="yes">
        <source>Default: %n day(s)</source>
        <translation>
            <numerusform>Par défaut : %n jour</numerusform>
            <numerusform>Par défaut : %n jours</numerusform>
        </translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation>Par défaut : %1</translation>
    </message>
    <message>
        <source> characters</source>
        <translation> caractères</translation>
    </message>
    <message>
        <source> in a row</source>
        <translation> d’affilée</translation>
    </message>
    <message>
        <source> requests/min</source>
        <translation> requêtes/min</translation>
    </message>
    <message>
        <source>Keep forever</source>
        <translation>Conserver indéfiniment</translation>
    </message>
    <message>
        <source>Default: keep forever</source>
        <translation>Par défaut : conserver indéfiniment</translation>
    </message>
    <message>
        <source>0 (keep forever), or %1 to %2</source>
        <translation>0 (conserver indéfiniment) ou %1 à %2</translation>
    </message>
    <message>
        <source>%1 to %2</source>
        <translation>%1 à %2</translation>
    </message>
    <message>
        <source>Default ra&amp;te limit:</source>
        <translation>&amp;Limite de débit par défaut :</translation>
    </message>
    <message>
        <source>Lon&amp;gest impersonation:</source>
        <translation>Usurpation la plus lon&amp;gue :</translation>
    </message>
    <message>
        <source>Restore de&amp;faults</source>
        <translation>&amp;Restaurer les valeurs par défaut</translation>
    </message>
    <message>
        <source>Super admins may impersonate users</source>
        <translation>Les super-administrateurs peuvent usurper l’identité des utilisateurs</translation>
    </message>
    <message>
        <source>All&amp;owed:</source>
        <translation>Aut&amp;orisée :</translation>
    </message>
</context>
<context>
    <name>portcullis::FirstRunDialog</name>
    <message>
        <source>Create a new Portcullis database</source>
        <translation>Créer une nouvelle base de données Portcullis</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; does not exist yet. Portcullis will create it with the built-in roles and permissions, a first organization and you as its super admin.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; n&apos;existe pas encore. Portcullis va le créer avec les rôles et permissions intégrés, une première organisation et vous comme super administrateur.</translation>
    </message>
    <message>
        <source>My Organization</source>
        <translation>Mon organisation</translation>
    </message>
    <message>
        <source>Organization name</source>
        <translation>Nom de l&apos;organisation</translation>
    </message>
    <message>
        <source>Super admin email</source>
        <translation>Adresse e-mail du super administrateur</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Mot de passe</translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation>Répétez le mot de passe</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>Super admin &amp;email:</source>
        <translation>&amp;E-mail du super administrateur :</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>Mot de &amp;passe :</translation>
    </message>
    <message>
        <source>C&amp;reate database</source>
        <translation>C&amp;réer la base de données</translation>
    </message>
    <message>
        <source>The two passwords differ</source>
        <translation>Les deux mots de passe diffèrent</translation>
    </message>
    <message>
        <source>Enter a valid email address</source>
        <translation>Saisissez une adresse e-mail valide</translation>
    </message>
    <message>
        <source>Name the organization</source>
        <translation>Nommez l&apos;organisation</translation>
    </message>
    <message>
        <source>✓ Ready</source>
        <translation>✓ Prêt</translation>
    </message>
    <message>
        <source>Repeat pass&amp;word:</source>
        <translation>Confir&amp;mer le mot de passe :</translation>
    </message>
</context>
<context>
    <name>portcullis::ImpersonateDialog</name>
    <message>
        <source>Impersonate %1</source>
        <translation>Emprunter l&apos;identité de %1</translation>
    </message>
    <message>
        <source>&lt;b&gt;You are about to act as %1.&lt;/b&gt;&lt;br&gt;Everything you do in this session is done in their name and recorded in the audit log together with your account and the reason below. The session is marked as impersonated wherever it appears, and it ends by itself after the duration you choose.</source>
        <translation>&lt;b&gt;Vous êtes sur le point d&apos;agir en tant que %1.&lt;/b&gt;&lt;br&gt;Tout ce que vous faites dans cette session est fait en son nom et consigné dans le journal d&apos;audit avec votre compte et le motif ci-dessous. La session est signalée comme emprunt d&apos;identité partout où elle apparaît, et elle prend fin d&apos;elle-même après la durée choisie.</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>Why, e.g. the support ticket you are working on (required)</source>
        <translation>Pourquoi, p. ex. le ticket d&apos;assistance que vous traitez (obligatoire)</translation>
    </message>
    <message>
        <source>Duration in minutes</source>
        <translation>Durée en minutes</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>&amp;Reason:</source>
        <translation>&amp;Motif :</translation>
    </message>
    <message>
        <source>&amp;Duration:</source>
        <translation>&amp;Durée :</translation>
    </message>
    <message>
        <source>&amp;Impersonate</source>
        <translation>&amp;Emprunter l&apos;identité</translation>
    </message>
    <message>
        <source>Impersonation session for %1</source>
        <translation>Session d&apos;emprunt d&apos;identité pour %1</translation>
    </message>
    <message>
        <source>Use this session token to act as %1 until %2. Every action is audited with your name.</source>
        <translation>Utilisez ce jeton de session pour agir en tant que %1 jusqu&apos;au %2. Chaque action est consignée avec votre nom.</translation>
    </message>
    <message>
        <source>&lt;b&gt;You are about to act as %1.&lt;/b&gt;&lt;br&gt;Everything you do in this session is done in their name. The session is marked as impersonated wherever it appears, and it ends by itself.</source>
        <translation>&lt;b&gt;Vous êtes sur le point d&apos;agir en tant que %1.&lt;/b&gt;&lt;br&gt;Tout ce que vous faites dans cette session est fait en son nom. La session est signalée comme emprunt d&apos;identité partout où elle apparaît, et elle prend fin d&apos;elle-même.</translation>
    </message>
    <message>
        <source>Use this session token to act as %1 until %2.</source>
        <translation>Utilisez ce jeton de session pour agir en tant que %1 jusqu&apos;au %2.</translation>
    </message>
</context>
<context>
    <name>portcullis::InvitationDialog</name>
    <message>
        <source>Invite into %1</source>
        <translation>Inviter dans %1</translation>
    </message>
    <message>
        <source>Email of the invitee</source>
        <translation>Adresse e-mail de la personne invitée</translation>
    </message>
    <message>
        <source>name@example.com</source>
        <translation>nom@example.com</translation>
    </message>
    <message>
        <source>Role of the invitee</source>
        <translation>Rôle de la personne invitée</translation>
    </message>
    <message>
        <source>%1 — %2 (level %3)</source>
        <translation>%1 — %2 (niveau %3)</translation>
    </message>
    <message>
        <source>Roles below your level (%1)</source>
        <translation>Rôles sous votre niveau (%1)</translation>
    </message>
    <message>
        <source>Days the invitation is valid</source>
        <translation>Nombre de jours de validité de l&apos;invitation</translation>
    </message>
    <message>
        <source> days</source>
        <translation> jours</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-mail :</translation>
    </message>
    <message>
        <source>&amp;Role:</source>
        <translation>&amp;Rôle :</translation>
    </message>
    <message>
        <source>&amp;Valid for:</source>
        <translation>&amp;Valable :</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>&amp;Inviter</translation>
    </message>
    <message>
        <source>There is no role below your level to invite with</source>
        <translation>Aucun rôle sous votre niveau ne permet d&apos;inviter</translation>
    </message>
    <message>
        <source>The invitee receives a one-time token that creates their account in %1 with the role you choose. It counts against the plan&apos;s user limit while pending.</source>
        <translation>La personne invitée reçoit un jeton à usage unique qui crée son compte dans %1 avec le rôle choisi. Tant qu&apos;elle est en attente, l&apos;invitation compte dans la limite d&apos;utilisateurs de l&apos;offre.</translation>
    </message>
    <message>
        <source>Deployment default</source>
        <translation>Valeur par défaut du déploiement</translation>
    </message>
    <message>
        <source>The member&apos;s role name, as the server knows it (e.g. member, admin, owner)</source>
        <translation>Le nom du rôle du membre, tel que le serveur le connaît (par ex. member, admin, owner)</translation>
    </message>
    <message>
        <source>The server sends the invitation to join %1 with the role you choose.</source>
        <translation>Le serveur envoie l&apos;invitation à rejoindre %1 avec le rôle choisi.</translation>
    </message>
</context>
<context>
    <name>portcullis::InvitationListModel</name>
    <message>
        <source>Pending</source>
        <translation>En attente</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>Acceptée</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Révoquée</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expirée</translation>
    </message>
    <message>
        <source>Expires %1</source>
        <translation>Expire le %1</translation>
    </message>
    <message>
        <source>Accepted %1</source>
        <translation>Acceptée le %1</translation>
    </message>
    <message>
        <source>Sent %1</source>
        <translation>Envoyée le %1</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rôle</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expire</translation>
    </message>
</context>
<context>
    <name>portcullis::Launcher</name>
    <message>
        <source>Cannot read the password file %1: %2</source>
        <translation>Impossible de lire le fichier de mot de passe %1 : %2</translation>
    </message>
    <message>
        <source>The password file %1 is empty</source>
        <translation>Le fichier de mot de passe %1 est vide</translation>
    </message>
    <message>
        <source>Keychain unavailable</source>
        <translation>Trousseau indisponible</translation>
    </message>
    <message>
        <source>%1 is not a server address; give one like https://iam.example.com</source>
        <translation>%1 n&apos;est pas une adresse de serveur ; indiquez-en une comme https://iam.example.com</translation>
    </message>
    <message>
        <source>--screenshot needs --user and --password-file</source>
        <translation>--screenshot nécessite --user et --password-file</translation>
    </message>
    <message>
        <source>--screenshot needs --db, --user and --password-file</source>
        <translation>--screenshot nécessite --db, --user et --password-file</translation>
    </message>
    <message>
        <source>The database file %1 does not exist</source>
        <translation>Le fichier de base de données %1 n&apos;existe pas</translation>
    </message>
    <message>
        <source>Creating the database…</source>
        <translation>Création de la base de données…</translation>
    </message>
    <message>
        <source>Super Admin</source>
        <translation>Super administrateur</translation>
    </message>
    <message>
        <source>Could not create the database: %1</source>
        <translation>Impossible de créer la base de données : %1</translation>
    </message>
    <message>
        <source>Sign-in refused: %1</source>
        <translation>Connexion refusée : %1</translation>
    </message>
    <message>
        <source>%1 has no administrative permissions; the console is for admins</source>
        <translation>%1 n&apos;a aucune permission d&apos;administration ; la console est réservée aux administrateurs</translation>
    </message>
    <message>
        <source>Unknown pane %1; choose one of %2</source>
        <translation>Volet inconnu : %1 ; choisissez parmi %2</translation>
    </message>
    <message>
        <source>Unknown pane</source>
        <translation>Volet inconnu</translation>
    </message>
    <message>
        <source>Cannot write the screenshot %1</source>
        <translation>Impossible d&apos;écrire la capture d&apos;écran %1</translation>
    </message>
    <message>
        <source>saved %1</source>
        <translation>%1 enregistrée</translation>
    </message>
    <message>
        <source>The %1 pane did not show its data within %2 s</source>
        <translation>Le volet %1 n&apos;a pas affiché ses données dans les %2 s</translation>
    </message>
    <message>
        <source>Cannot sign in: %1</source>
        <translation>Connexion impossible : %1</translation>
    </message>
    <message>
        <source>The dialog %1 cannot open on this pane for this admin</source>
        <translation>La boîte de dialogue %1 ne peut pas s’ouvrir sur ce volet pour cet administrateur</translation>
    </message>
    <message>
        <source>Unknown dialog %1; choose one of %2</source>
        <translation>Boîte de dialogue %1 inconnue ; choisissez parmi %2</translation>
    </message>
    <message>
        <source>The dialog %1 closed before it could be saved</source>
        <translation>La boîte de dialogue %1 s’est fermée avant d’être enregistrée</translation>
    </message>
    <message>
        <source>The dialog %1 did not show its data within %2 s</source>
        <translation>La boîte de dialogue %1 n’a pas affiché ses données en %2 s</translation>
    </message>
    <message>
        <source>Unknown kind of server %1; choose portcullis or better-auth</source>
        <translation>Type de serveur inconnu %1 ; choisissez portcullis ou better-auth</translation>
    </message>
    <message>
        <source>%1 is not a better-auth address; give its base path, like https://app.example.com/api/auth</source>
        <translation>%1 n&apos;est pas une adresse better-auth ; indiquez son chemin de base, par exemple https://app.example.com/api/auth</translation>
    </message>
</context>
<context>
    <name>portcullis::ListPane</name>
    <message>
        <source>%1 in %2</source>
        <comment>a count or heading, then the tenant: 12 users in Contoso</comment>
        <translation>%1 dans %2</translation>
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
        <translation>Sections</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>no role</source>
        <translation>aucun rôle</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2)</source>
        <translation>Connecté en tant que %1 (%2)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Barre principale</translation>
    </message>
    <message>
        <source>&amp;Tenant:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>Tenant</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>All tenants</source>
        <translation>Toutes les organisations</translation>
    </message>
    <message>
        <source>Show the data of one tenant or of all of them</source>
        <translation>Afficher les données d&apos;une organisation ou de toutes</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Mon organisation</translation>
    </message>
    <message>
        <source>Only super admins can look at other tenants</source>
        <translation>Seuls les super administrateurs peuvent consulter d&apos;autres organisations</translation>
    </message>
    <message>
        <source>Signing out…</source>
        <translation>Déconnexion…</translation>
    </message>
    <message>
        <source>&amp;Find…</source>
        <translation>&amp;Rechercher…</translation>
    </message>
    <message>
        <source>&amp;New…</source>
        <translation>&amp;Nouveau…</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Supprimer…</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Actualiser</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Sign &amp;Out</source>
        <translation>Se &amp;déconnecter</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>&amp;Raccourcis clavier</translation>
    </message>
    <message>
        <source>&amp;About Portcullis</source>
        <translation>À &amp;propos de Portcullis</translation>
    </message>
    <message>
        <source>About Portcullis</source>
        <translation>À propos de Portcullis</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Portcullis %1&lt;/h3&gt;&lt;p&gt;Admin console for multi-tenant auth.&lt;/p&gt;&lt;p&gt;Connected to %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Portcullis %1&lt;/h3&gt;&lt;p&gt;Console d&apos;administration pour l&apos;authentification multi-organisation.&lt;/p&gt;&lt;p&gt;Connecté à %2.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>É&amp;dition</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Aid&amp;e</translation>
    </message>
    <message>
        <source>%1 — Portcullis</source>
        <translation>%1 — Portcullis</translation>
    </message>
    <message>
        <source>Could not load the tenants: %1</source>
        <translation>Impossible de charger les organisations : %1</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>&amp;Préférences…</translation>
    </message>
    <message>
        <source>The language changes the next time Portcullis starts</source>
        <translation>La langue change au prochain démarrage de Portcullis</translation>
    </message>
    <message>
        <source>Your roles changed: you now act as %1 (level %2)</source>
        <translation>Vos rôles ont changé : vous agissez désormais en tant que %1 (niveau %2)</translation>
    </message>
    <message>
        <source>Connection problem</source>
        <translation>Problème de connexion</translation>
    </message>
    <message>
        <source>Retry &amp;Now</source>
        <translation>Réessayer &amp;maintenant</translation>
    </message>
    <message>
        <source>Retry the connection now</source>
        <translation>Réessayer la connexion maintenant</translation>
    </message>
    <message>
        <source>Cannot reach %1</source>
        <translation>Impossible de joindre %1</translation>
    </message>
    <message>
        <source>Connection lost: %1</source>
        <translation>Connexion perdue : %1</translation>
    </message>
    <message>
        <source>Connected again to %1</source>
        <translation>De nouveau connecté à %1</translation>
    </message>
    <message>
        <source>Trying to reconnect…</source>
        <translation>Tentative de reconnexion…</translation>
    </message>
    <message numerus="yes">
        <source>Retrying in %n second(s). What you entered is kept; the lists show what was last loaded.</source>
        <translation>
            <numerusform>Nouvel essai dans %n seconde. Vos saisies sont conservées ; les listes montrent les dernières données chargées.</numerusform>
            <numerusform>Nouvel essai dans %n secondes. Vos saisies sont conservées ; les listes montrent les dernières données chargées.</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;User Guide</source>
        <translation>&amp;Guide de l’utilisateur</translation>
    </message>
    <message>
        <source>&amp;Import Users…</source>
        <translation>&amp;Importer des utilisateurs…</translation>
    </message>
    <message>
        <source>&amp;Export Users…</source>
        <translation>&amp;Exporter les utilisateurs…</translation>
    </message>
    <message>
        <source>Deplo&amp;yment settings…</source>
        <translation>Paramètres du &amp;déploiement…</translation>
    </message>
    <message>
        <source>Deployment settings saved</source>
        <translation>Paramètres du déploiement enregistrés</translation>
    </message>
    <message>
        <source>Tool&amp;s</source>
        <translation>&amp;Outils</translation>
    </message>
    <message>
        <source>Run &amp;maintenance…</source>
        <translation>Lancer la &amp;maintenance…</translation>
    </message>
    <message>
        <source>Run maintenance</source>
        <translation>Lancer la maintenance</translation>
    </message>
    <message>
        <source>Remove expired sessions, used or expired one-time tokens and invitations, and audit events older than the retention set in Deployment settings? Servers also do this on their own schedule.</source>
        <translation>Supprimer les sessions expirées, les jetons à usage unique et les invitations utilisés ou expirés, ainsi que les événements d’audit plus anciens que la durée de conservation définie dans les paramètres du déploiement ? Les serveurs le font aussi selon leur propre planification.</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>&amp;Lancer</translation>
    </message>
    <message>
        <source>Running maintenance…</source>
        <translation>Maintenance en cours…</translation>
    </message>
    <message>
        <source>Maintenance did not finish: %1</source>
        <translation>La maintenance ne s’est pas terminée : %1</translation>
    </message>
    <message>
        <source>Maintenance removed %1 sessions, %2 tokens, %3 invitations and %4 audit events.</source>
        <translation>La maintenance a supprimé %1 sessions, %2 jetons, %3 invitations et %4 événements d’audit.</translation>
    </message>
    <message>
        <source>Whole deployment</source>
        <translation>Tout le déploiement</translation>
    </message>
    <message>
        <source>Users of this server do not belong to one organization: every pane shows the whole deployment</source>
        <translation>Les utilisateurs de ce serveur n&apos;appartiennent pas à une seule organisation : chaque volet montre tout le déploiement</translation>
    </message>
    <message>
        <source>This server cannot do this.</source>
        <translation>Ce serveur ne peut pas faire cela.</translation>
    </message>
</context>
<context>
    <name>portcullis::MessageBox</name>
    <message>
        <source>Discard changes?</source>
        <translation>Abandonner les modifications ?</translation>
    </message>
    <message>
        <source>What you typed in this form is not saved. Discard it, or keep editing?</source>
        <translation>Ce que vous avez saisi dans ce formulaire n&apos;est pas enregistré. L&apos;abandonner, ou continuer la saisie ?</translation>
    </message>
    <message>
        <source>&amp;Discard</source>
        <translation>&amp;Abandonner</translation>
    </message>
    <message>
        <source>&amp;Keep editing</source>
        <translation>&amp;Continuer la saisie</translation>
    </message>
</context>
<context>
    <name>portcullis::MoveUserDialog</name>
    <message>
        <source>Move %1 to another organization</source>
        <translation>Déplacer %1 vers une autre organisation</translation>
    </message>
    <message>
        <source>Destination organization</source>
        <translation>Organisation de destination</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>Seats:</source>
        <translation>Places :</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>&amp;Déplacer</translation>
    </message>
    <message>
        <source>%1 belongs to organization #%2.</source>
        <translation>%1 appartient à l’organisation n° %2.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>%1 belongs to %2.</source>
        <translation>%1 appartient à %2.</translation>
    </message>
    <message>
        <source>%1 (suspended)</source>
        <translation>%1 (suspendue)</translation>
    </message>
    <message>
        <source>There is no other organization to move to.</source>
        <translation>Il n’y a aucune autre organisation vers laquelle déplacer.</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %2 seats taken (%3 users, %n pending invitation(s))</source>
        <translation>
            <numerusform>%1 places occupées sur %2 (%3 utilisateurs, %n invitation en attente)</numerusform>
            <numerusform>%1 places occupées sur %2 (%3 utilisateurs, %n invitations en attente)</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 is suspended: reactivate it before moving users into it.</source>
        <translation>%1 est suspendue : réactivez-la avant d’y déplacer des utilisateurs.</translation>
    </message>
    <message>
        <source>%1 is full: raise its plan limit, remove a user or revoke an invitation first.</source>
        <translation>%1 est complète : augmentez la limite de son offre, retirez un utilisateur ou révoquez d’abord une invitation.</translation>
    </message>
    <message>
        <source>No organization roles are removed.</source>
        <translation>Aucun rôle d’organisation n’est retiré.</translation>
    </message>
    <message>
        <source>These roles of the old organization are removed: %1.</source>
        <translation>Ces rôles de l’ancienne organisation sont retirés : %1.</translation>
    </message>
    <message>
        <source>Global roles stay: %1.</source>
        <translation>Les rôles globaux restent : %1.</translation>
    </message>
    <message>
        <source>All their sessions end and all their API keys are revoked, since these belong to the old organization. They sign in again afterwards.</source>
        <translation>Toutes ses sessions prennent fin et toutes ses clés d’API sont révoquées, car elles appartiennent à l’ancienne organisation. L’utilisateur se reconnecte ensuite.</translation>
    </message>
    <message>
        <source>Move %1 to %2?</source>
        <translation>Déplacer %1 vers %2 ?</translation>
    </message>
    <message>
        <source>Roles removed: %1</source>
        <translation>Rôles retirés : %1</translation>
    </message>
    <message>
        <source>Their sessions end and their API keys are revoked.</source>
        <translation>Ses sessions prennent fin et ses clés d’API sont révoquées.</translation>
    </message>
    <message>
        <source>Move user</source>
        <translation>Déplacer l’utilisateur</translation>
    </message>
    <message>
        <source>What the move changes:</source>
        <translation>Ce que le déplacement change :</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDetailsPanel</name>
    <message>
        <source>Organization details</source>
        <translation>Détails de l&apos;organisation</translation>
    </message>
    <message>
        <source>Select an organization to see its plan, features and invitations.</source>
        <translation>Sélectionnez une organisation pour voir son offre, ses fonctionnalités et ses invitations.</translation>
    </message>
    <message>
        <source>Slug:</source>
        <translation>Slug :</translation>
    </message>
    <message>
        <source>Plan:</source>
        <translation>Offre :</translation>
    </message>
    <message>
        <source>Users:</source>
        <translation>Utilisateurs :</translation>
    </message>
    <message>
        <source>Features:</source>
        <translation>Fonctionnalités :</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Statut :</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Créée :</translation>
    </message>
    <message>
        <source>Invitations</source>
        <translation>Invitations</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expire</translation>
    </message>
    <message>
        <source>%1 of at most %2</source>
        <translation>%1 sur %2 au plus</translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucune</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Suspended: nobody in it can sign in</source>
        <translation>Suspendue : personne ne peut s&apos;y connecter</translation>
    </message>
    <message>
        <source>&amp;Invitations (%1)</source>
        <translation>&amp;Invitations (%1)</translation>
    </message>
    <message>
        <source>&amp;Invitations</source>
        <translation>&amp;Invitations</translation>
    </message>
    <message>
        <source>Could not load the invitations:
%1</source>
        <translation>Impossible de charger les invitations :
%1</translation>
    </message>
    <message>
        <source>No invitations yet.
Invite someone with Ctrl+I.</source>
        <translation>Aucune invitation pour l&apos;instant.
Invitez quelqu&apos;un avec Ctrl+I.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>%1 and %2 invited of at most %3 (a pending invitation holds a seat)</source>
        <translation>%1 et %2 invités sur %3 au plus (une invitation en attente occupe une place)</translation>
    </message>
    <message>
        <source>Select an organization to see its members and invitations.</source>
        <translation>Sélectionnez une organisation pour voir ses membres et ses invitations.</translation>
    </message>
    <message>
        <source>Members:</source>
        <translation>Membres :</translation>
    </message>
    <message>
        <source>%1 and %2 invited</source>
        <translation>%1 et %2 invités</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDialog</name>
    <message>
        <source>Edit %1</source>
        <translation>Modifier %1</translation>
    </message>
    <message>
        <source>New organization</source>
        <translation>Nouvelle organisation</translation>
    </message>
    <message>
        <source>Only super admins change the plan, the user limit and the features</source>
        <translation>Seuls les super administrateurs modifient l&apos;offre, la limite d&apos;utilisateurs et les fonctionnalités</translation>
    </message>
    <message>
        <source>Organization name</source>
        <translation>Nom de l&apos;organisation</translation>
    </message>
    <message>
        <source>Slug</source>
        <translation>Slug</translation>
    </message>
    <message>
        <source>The slug identifies the organization and cannot be changed</source>
        <translation>Le slug identifie l&apos;organisation et ne peut pas être modifié</translation>
    </message>
    <message>
        <source>derived from the name</source>
        <translation>dérivé du nom</translation>
    </message>
    <message>
        <source>Lower-case letters and digits in groups separated by hyphens; derived from the name until you edit it</source>
        <translation>Minuscules et chiffres en groupes séparés par des tirets ; dérivé du nom tant que vous ne le modifiez pas</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Offre</translation>
    </message>
    <message>
        <source>User limit</source>
        <translation>Limite d&apos;utilisateurs</translation>
    </message>
    <message>
        <source> users</source>
        <translation> utilisateurs</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Fonctionnalités</translation>
    </message>
    <message>
        <source>Another feature</source>
        <translation>Autre fonctionnalité</translation>
    </message>
    <message>
        <source>Another feature, then Enter</source>
        <translation>Autre fonctionnalité, puis Entrée</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Ajouter</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Nom :</translation>
    </message>
    <message>
        <source>&amp;Plan:</source>
        <translation>&amp;Offre :</translation>
    </message>
    <message>
        <source>&amp;User limit:</source>
        <translation>&amp;Limite d&apos;utilisateurs :</translation>
    </message>
    <message>
        <source>&amp;Features:</source>
        <translation>&amp;Fonctionnalités :</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>C&amp;réer</translation>
    </message>
    <message>
        <source>S&amp;lug:</source>
        <translation>Slu&amp;g :</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationDialogs</name>
    <message>
        <source>Send this invitation token to &lt;b&gt;%1&lt;/b&gt;: it lets them join %2 as %3 until %4.&lt;br&gt;They can accept it with &lt;code&gt;POST /api/invitations/accept&lt;/code&gt; once the REST server is deployed, or open the link from &lt;i&gt;Copy link&lt;/i&gt;.</source>
        <translation>Envoyez ce jeton d&apos;invitation à &lt;b&gt;%1&lt;/b&gt; : il lui permet de rejoindre %2 en tant que %3 jusqu&apos;au %4.&lt;br&gt;La personne peut l&apos;accepter avec &lt;code&gt;POST /api/invitations/accept&lt;/code&gt; une fois le serveur REST déployé, ou ouvrir le lien obtenu avec &lt;i&gt;Copier le lien&lt;/i&gt;.</translation>
    </message>
    <message>
        <source>Invitation for %1</source>
        <translation>Invitation pour %1</translation>
    </message>
    <message>
        <source>Copy &amp;link</source>
        <translation>Copier le &amp;lien</translation>
    </message>
    <message>
        <source>Link copied</source>
        <translation>Lien copié</translation>
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
        <translation>aucune</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Suspendue</translation>
    </message>
    <message>
        <source>%1 users of at most %2 on the %3 plan</source>
        <translation>%1 utilisateurs sur %2 au plus avec l&apos;offre %3</translation>
    </message>
    <message>
        <source>Suspended: nobody in this organization can sign in</source>
        <translation>Suspendue : personne dans cette organisation ne peut se connecter</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Slug</source>
        <translation>Slug</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Offre</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Utilisateurs</translation>
    </message>
    <message>
        <source>Features</source>
        <translation>Fonctionnalités</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>%1 + %2 invited / %3</source>
        <translation>%1 + %2 invités / %3</translation>
    </message>
    <message>
        <source>%1 users and %2 pending invitations of at most %3 on the %4 plan: a pending invitation holds a seat until it is accepted, revoked or expires</source>
        <translation>%1 utilisateurs et %2 invitations en attente sur %3 au plus avec l’offre %4 : une invitation en attente occupe une place jusqu’à ce qu’elle soit acceptée, révoquée ou expirée</translation>
    </message>
    <message>
        <source>%1 + %2 invited</source>
        <translation>%1 + %2 invités</translation>
    </message>
    <message>
        <source>%1 members</source>
        <translation>%1 membres</translation>
    </message>
</context>
<context>
    <name>portcullis::OrganizationsPane</name>
    <message>
        <source>Search organizations</source>
        <translation>Rechercher des organisations</translation>
    </message>
    <message>
        <source>Search name, slug or plan (Ctrl+F)</source>
        <translation>Rechercher un nom, un slug ou une offre (Ctrl+F)</translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Filtrer par statut</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Tout statut</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Suspendue</translation>
    </message>
    <message>
        <source>Organizations</source>
        <translation>Organisations</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>Offre</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Modifier…</translation>
    </message>
    <message>
        <source>&amp;Suspend…</source>
        <translation>&amp;Suspendre…</translation>
    </message>
    <message>
        <source>Reac&amp;tivate</source>
        <translation>Réac&amp;tiver</translation>
    </message>
    <message>
        <source>&amp;Wipe out…</source>
        <translation>&amp;Effacer…</translation>
    </message>
    <message>
        <source>&amp;Invite…</source>
        <translation>&amp;Inviter…</translation>
    </message>
    <message>
        <source>&amp;Revoke invitation…</source>
        <translation>&amp;Révoquer l&apos;invitation…</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Could not load the organizations: %1</source>
        <translation>Impossible de charger les organisations : %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the organizations:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les organisations :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message numerus="yes">
        <source>%n organization(s)</source>
        <translation>
            <numerusform>%Ln organisation</numerusform>
            <numerusform>%Ln organisations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n organization(s)</source>
        <translation>
            <numerusform>%1 sur %Ln organisation</numerusform>
            <numerusform>%1 sur %Ln organisations</numerusform>
        </translation>
    </message>
    <message>
        <source>No organizations yet.</source>
        <translation>Aucune organisation pour l&apos;instant.</translation>
    </message>
    <message>
        <source>Create the first one with Ctrl+N.</source>
        <translation>Créez la première avec Ctrl+N.</translation>
    </message>
    <message>
        <source>No organization matches.
Clear the search or the status filter to see all.</source>
        <translation>Aucune organisation ne correspond.
Effacez la recherche ou le filtre de statut pour tout voir.</translation>
    </message>
    <message>
        <source>Select an organization first</source>
        <translation>Sélectionnez d&apos;abord une organisation</translation>
    </message>
    <message>
        <source>Only super admins can do this to organizations</source>
        <translation>Seuls les super administrateurs peuvent faire cela aux organisations</translation>
    </message>
    <message>
        <source>You cannot suspend your own organization</source>
        <translation>Vous ne pouvez pas suspendre votre propre organisation</translation>
    </message>
    <message>
        <source>It is already suspended</source>
        <translation>Elle est déjà suspendue</translation>
    </message>
    <message>
        <source>It is active</source>
        <translation>Elle est active</translation>
    </message>
    <message>
        <source>You cannot wipe out your own organization</source>
        <translation>Vous ne pouvez pas effacer votre propre organisation</translation>
    </message>
    <message>
        <source>It is suspended; reactivate it before inviting</source>
        <translation>Elle est suspendue ; réactivez-la avant d&apos;inviter</translation>
    </message>
    <message>
        <source>Select an invitation first</source>
        <translation>Sélectionnez d&apos;abord une invitation</translation>
    </message>
    <message>
        <source>Only pending invitations can be revoked</source>
        <translation>Seules les invitations en attente peuvent être révoquées</translation>
    </message>
    <message>
        <source>Only super admins can create organizations</source>
        <translation>Seuls les super administrateurs peuvent créer des organisations</translation>
    </message>
    <message>
        <source>Created the organization %1 (%2)</source>
        <translation>Organisation %1 (%2) créée</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 enregistrée</translation>
    </message>
    <message>
        <source>Suspend organization</source>
        <translation>Suspendre l&apos;organisation</translation>
    </message>
    <message numerus="yes">
        <source>Suspend %1? Nobody in it can sign in until it is reactivated, and its %n user(s) are signed out. Nothing is deleted.</source>
        <translation>
            <numerusform>Suspendre %1 ? Personne ne pourra s&apos;y connecter avant sa réactivation, et son %Ln utilisateur sera déconnecté. Rien n&apos;est supprimé.</numerusform>
            <numerusform>Suspendre %1 ? Personne ne pourra s&apos;y connecter avant sa réactivation, et ses %Ln utilisateurs seront déconnectés. Rien n&apos;est supprimé.</numerusform>
        </translation>
    </message>
    <message>
        <source>Suspended %1</source>
        <translation>%1 suspendue</translation>
    </message>
    <message>
        <source>Reactivate organization</source>
        <translation>Réactiver l&apos;organisation</translation>
    </message>
    <message>
        <source>Reactivated %1</source>
        <translation>%1 réactivée</translation>
    </message>
    <message>
        <source>Wiped out %1</source>
        <translation>%1 effacée</translation>
    </message>
    <message>
        <source>Invite</source>
        <translation>Inviter</translation>
    </message>
    <message>
        <source>Invited %1 into %2</source>
        <translation>%1 invité(e) dans %2</translation>
    </message>
    <message>
        <source>Revoke invitation</source>
        <translation>Révoquer l&apos;invitation</translation>
    </message>
    <message>
        <source>Revoke the invitation for %1? Its token stops working at once.</source>
        <translation>Révoquer l&apos;invitation pour %1 ? Son jeton cesse de fonctionner immédiatement.</translation>
    </message>
    <message>
        <source>Revoked the invitation for %1</source>
        <translation>Invitation pour %1 révoquée</translation>
    </message>
    <message>
        <source>Copied %1</source>
        <translation>%1 copié</translation>
    </message>
    <message>
        <source>&amp;Suspend</source>
        <translation>&amp;Suspendre</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Révoquer</translation>
    </message>
    <message>
        <source>%1 + %2 invited / %3</source>
        <translation>%1 + %2 invités / %3</translation>
    </message>
    <message>
        <source>The tenant switcher does not filter this list: it selects %1.</source>
        <translation>Le sélecteur d’organisation ne filtre pas cette liste : il sélectionne %1.</translation>
    </message>
    <message>
        <source>the chosen tenant</source>
        <translation>l’organisation choisie</translation>
    </message>
    <message>
        <source>Search name or slug (Ctrl+F)</source>
        <translation>Rechercher un nom ou un slug (Ctrl+F)</translation>
    </message>
    <message>
        <source>Invited %1 into %2; the server sends the invitation itself</source>
        <translation>%1 invité(e) dans %2 ; le serveur envoie l&apos;invitation lui-même</translation>
    </message>
</context>
<context>
    <name>portcullis::Pane</name>
    <message>
        <source>Nothing to create here</source>
        <translation>Rien à créer ici</translation>
    </message>
    <message>
        <source>Nothing to delete here</source>
        <translation>Rien à supprimer ici</translation>
    </message>
    <message>
        <source>Your role does not allow this (%1)</source>
        <translation>Votre rôle ne le permet pas (%1)</translation>
    </message>
    <message>
        <source>This server cannot do this.</source>
        <translation>Ce serveur ne peut pas faire cela.</translation>
    </message>
</context>
<context>
    <name>portcullis::PermissionCodesDialog</name>
    <message>
        <source>Permission codes</source>
        <translation>Codes de permission</translation>
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
        <translation>Description</translation>
    </message>
    <message>
        <source>What the code lets its holder do</source>
        <translation>Ce que le code permet à son détenteur</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>New &amp;code:</source>
        <translation>Nouveau &amp;code :</translation>
    </message>
    <message>
        <source>D&amp;escription:</source>
        <translation>D&amp;escription :</translation>
    </message>
    <message>
        <source>&amp;Add</source>
        <translation>&amp;Ajouter</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Supprimer…</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Mon organisation</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>No organization to show.</source>
        <translation>Aucune organisation à afficher.</translation>
    </message>
    <message>
        <source>slug:resource:action</source>
        <translation>slug:ressource:action</translation>
    </message>
    <message>
        <source>%1 has no permission codes of its own yet.</source>
        <translation>%1 n’a encore aucun code de permission propre.</translation>
    </message>
    <message>
        <source>Define the code for this organization (Enter)</source>
        <translation>Définir le code pour cette organisation (Entrée)</translation>
    </message>
    <message>
        <source>Delete the selected code</source>
        <translation>Supprimer le code sélectionné</translation>
    </message>
    <message>
        <source>Delete permission code</source>
        <translation>Supprimer le code de permission</translation>
    </message>
    <message>
        <source>Delete %1? Applications that check it will no longer find it. A code still in a role or an API key is not deleted.</source>
        <translation>Supprimer %1 ? Les applications qui le vérifient ne le trouveront plus. Un code encore présent dans un rôle ou une clé d’API n’est pas supprimé.</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message>
        <source>Codes the applications that use Portcullis check, written slug:resource:action in lower-case letters, digits, _ and -. Put them into the organization&apos;s custom roles and API-key scopes; they never give a right in Portcullis itself. A code still in use cannot be deleted.</source>
        <translation>Codes que vérifient les applications qui utilisent Portcullis, écrits slug:ressource:action en minuscules, chiffres, _ et -. Utilisez-les dans les rôles personnalisés de l’organisation et dans les portées des clés d’API ; ils ne donnent aucun droit dans Portcullis lui-même. Un code encore utilisé ne peut pas être supprimé.</translation>
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
        <translation>Base de connaissances</translation>
    </message>
    <message>
        <source>Administration</source>
        <translation>Administration</translation>
    </message>
    <message>
        <source>Other (wildcards and codes outside the catalog)</source>
        <translation>Autres (jokers et codes hors du catalogue)</translation>
    </message>
    <message>
        <source>Not in the permission catalog</source>
        <translation>Absent du catalogue des permissions</translation>
    </message>
    <message>
        <source>%1 of %2 granted</source>
        <translation>%1 sur %2 accordées</translation>
    </message>
    <message>
        <source>Check or clear every permission of %1 you may change</source>
        <translation>Cocher ou décocher toutes les permissions de %1 que vous pouvez modifier</translation>
    </message>
    <message>
        <source>inherited from %1</source>
        <translation>héritée de %1</translation>
    </message>
    <message>
        <source>included in %1</source>
        <translation>incluse dans %1</translation>
    </message>
    <message>
        <source>You do not hold %1, so you cannot give it to a role</source>
        <translation>Vous ne détenez pas %1 et ne pouvez donc pas l&apos;accorder à un rôle</translation>
    </message>
    <message>
        <source>Permission</source>
        <translation>Permission</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Description</translation>
    </message>
    <message>
        <source>Own codes of %1</source>
        <translation>Codes propres de %1</translation>
    </message>
</context>
<context>
    <name>portcullis::PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>Préférences</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <source>System default (%1)</source>
        <translation>Langue du système (%1)</translation>
    </message>
    <message>
        <source>The language also sets how dates, times and numbers are written. A new choice takes effect the next time Portcullis starts.</source>
        <translation>La langue détermine aussi l&apos;écriture des dates, des heures et des nombres. Un nouveau choix prend effet au prochain démarrage de Portcullis.</translation>
    </message>
    <message>
        <source>This run uses %1 because of --lang, which overrides this setting.</source>
        <translation>Cette exécution utilise %1 à cause de --lang, qui prime sur ce réglage.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Langue :</translation>
    </message>
    <message>
        <source>Date format</source>
        <translation>Format des dates</translation>
    </message>
    <message>
        <source>As the language writes it</source>
        <translation>Comme l’écrit la langue</translation>
    </message>
    <message>
        <source>ISO 8601 (2026-12-04 22:00)</source>
        <translation>ISO 8601 (2026-12-04 22:00)</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Fuseau horaire</translation>
    </message>
    <message>
        <source>Local time (%1)</source>
        <translation>Heure locale (%1)</translation>
    </message>
    <message>
        <source>UTC</source>
        <translation>UTC</translation>
    </message>
    <message>
        <source>&amp;Dates:</source>
        <translation>&amp;Dates :</translation>
    </message>
    <message>
        <source>&amp;Time zone:</source>
        <translation>&amp;Fuseau horaire :</translation>
    </message>
    <message>
        <source>Example:</source>
        <translation>Exemple :</translation>
    </message>
</context>
<context>
    <name>portcullis::RoleDetailsPanel</name>
    <message>
        <source>Role details</source>
        <translation>Détails du rôle</translation>
    </message>
    <message>
        <source>Select a role to see its permissions.

Create a custom role with Ctrl+N, or start from an existing one with &quot;New role based on this…&quot; in its context menu.</source>
        <translation>Sélectionnez un rôle pour voir ses permissions.

Créez un rôle personnalisé avec Ctrl+N, ou partez d&apos;un rôle existant avec « Nouveau rôle basé sur celui-ci… » dans son menu contextuel.</translation>
    </message>
    <message>
        <source>Code:</source>
        <translation>Code :</translation>
    </message>
    <message>
        <source>Level:</source>
        <translation>Niveau :</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>Type :</translation>
    </message>
    <message>
        <source>Scope:</source>
        <translation>Périmètre :</translation>
    </message>
    <message>
        <source>About:</source>
        <translation>Description :</translation>
    </message>
    <message>
        <source>Direct:</source>
        <translation>Directes :</translation>
    </message>
    <message>
        <source>Grants:</source>
        <translation>Attribuables :</translation>
    </message>
    <message>
        <source>Effective permissions</source>
        <translation>Permissions effectives</translation>
    </message>
    <message>
        <source>Built-in (cannot be changed)</source>
        <translation>Intégré (non modifiable)</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Personnalisé</translation>
    </message>
    <message>
        <source>no description</source>
        <translation>aucune description</translation>
    </message>
    <message numerus="yes">
        <source>%n permission(s)</source>
        <translation>
            <numerusform>%Ln permission</numerusform>
            <numerusform>%Ln permissions</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <source>Effective permissions: loading…</source>
        <translation>Permissions effectives : chargement…</translation>
    </message>
    <message>
        <source>inherited</source>
        <translation>héritée</translation>
    </message>
    <message>
        <source>inherited from %1</source>
        <translation>héritée de %1</translation>
    </message>
    <message>
        <source>granted directly</source>
        <translation>accordée directement</translation>
    </message>
    <message>
        <source>Could not load the effective permissions: %1</source>
        <translation>Impossible de charger les permissions effectives : %1</translation>
    </message>
    <message>
        <source>Effective &amp;permissions: %1 (%2 inherited, in italics)</source>
        <translation>&amp;Permissions effectives : %1 (%2 héritées, en italique)</translation>
    </message>
    <message>
        <source>Users holding this role</source>
        <translation>Utilisateurs ayant ce rôle</translation>
    </message>
    <message>
        <source>Double-click a user to open them in the Users pane</source>
        <translation>Double-cliquez sur un utilisateur pour l’ouvrir dans le volet Utilisateurs</translation>
    </message>
    <message>
        <source>Held by: loading…</source>
        <translation>Attribué à : chargement…</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s)</source>
        <translation>
            <numerusform>Attri&amp;bué à %n utilisateur</numerusform>
            <numerusform>Attri&amp;bué à %n utilisateurs</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Held b&amp;y %n user(s) in %1</source>
        <translation>
            <numerusform>Attri&amp;bué à %n utilisateur dans %1</numerusform>
            <numerusform>Attri&amp;bué à %n utilisateurs dans %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>(the first %n shown)</source>
        <translation>
            <numerusform>(%n premier affiché)</numerusform>
            <numerusform>(les %n premiers affichés)</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not load who holds this role: %1</source>
        <translation>Impossible de charger les détenteurs de ce rôle : %1</translation>
    </message>
</context>
<context>
    <name>portcullis::RoleEditor</name>
    <message>
        <source>%1 is a built-in role: it comes with Portcullis and cannot be changed. To start from it, close this and choose &quot;New role based on this…&quot;.</source>
        <translation>%1 est un rôle intégré : il est fourni avec Portcullis et ne peut pas être modifié. Pour partir de ce rôle, fermez cette fenêtre et choisissez « Nouveau rôle basé sur celui-ci… ».</translation>
    </message>
    <message>
        <source>New role</source>
        <translation>Nouveau rôle</translation>
    </message>
    <message>
        <source>New role based on %1</source>
        <translation>Nouveau rôle basé sur %1</translation>
    </message>
    <message>
        <source>Role %1</source>
        <translation>Rôle %1</translation>
    </message>
    <message>
        <source>Edit role %1</source>
        <translation>Modifier le rôle %1</translation>
    </message>
    <message>
        <source>Role code</source>
        <translation>Code du rôle</translation>
    </message>
    <message>
        <source>e.g. support_agent</source>
        <translation>p. ex. support_agent</translation>
    </message>
    <message>
        <source>Lower-case letters, digits and underscores; it cannot be changed later</source>
        <translation>Minuscules, chiffres et traits de soulignement ; ne peut plus être modifié ensuite</translation>
    </message>
    <message>
        <source>Role name</source>
        <translation>Nom du rôle</translation>
    </message>
    <message>
        <source>Role description</source>
        <translation>Description du rôle</translation>
    </message>
    <message>
        <source>Role level</source>
        <translation>Niveau du rôle</translation>
    </message>
    <message>
        <source>Higher levels manage lower ones; your level is %1, so a role you manage stays below it</source>
        <translation>Les niveaux supérieurs gèrent les inférieurs ; votre niveau est %1, donc un rôle que vous gérez reste en dessous</translation>
    </message>
    <message>
        <source>Organization of the role</source>
        <translation>Organisation du rôle</translation>
    </message>
    <message>
        <source>Copy of %1</source>
        <translation>Copie de %1</translation>
    </message>
    <message>
        <source>The code of a role cannot be changed</source>
        <translation>Le code d&apos;un rôle ne peut pas être modifié</translation>
    </message>
    <message>
        <source>Global (every organization)</source>
        <translation>Global (toutes les organisations)</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Mon organisation</translation>
    </message>
    <message>
        <source>A role stays in the scope it was created in</source>
        <translation>Un rôle reste dans le périmètre où il a été créé</translation>
    </message>
    <message>
        <source>Only super admins create global roles or roles of other organizations</source>
        <translation>Seuls les super administrateurs créent des rôles globaux ou des rôles d&apos;autres organisations</translation>
    </message>
    <message>
        <source>&amp;Code:</source>
        <translation>&amp;Code :</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Nom :</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>&amp;Description :</translation>
    </message>
    <message>
        <source>&amp;Level:</source>
        <translation>Ni&amp;veau :</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>Roles this role may assign</source>
        <translation>Rôles que ce rôle peut attribuer</translation>
    </message>
    <message>
        <source>%1 — %2 (level %3)</source>
        <translation>%1 — %2 (niveau %3)</translation>
    </message>
    <message>
        <source>&amp;Grants: roles its holders may assign</source>
        <translation>&amp;Attribuables : rôles que ses titulaires peuvent attribuer</translation>
    </message>
    <message>
        <source>Filter permissions</source>
        <translation>Filtrer les permissions</translation>
    </message>
    <message>
        <source>Filter permissions (e.g. kb: or export)</source>
        <translation>Filtrer les permissions (p. ex. kb: ou export)</translation>
    </message>
    <message>
        <source>Permissions by category</source>
        <translation>Permissions par catégorie</translation>
    </message>
    <message>
        <source>&amp;Permissions (inherited ones are in italics and cannot be cleared here):</source>
        <translation>&amp;Permissions (les héritées sont en italique et ne peuvent pas être décochées ici) :</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>C&amp;réer</translation>
    </message>
    <message numerus="yes">
        <source>%n direct permission(s) checked</source>
        <translation>
            <numerusform>%Ln permission directe cochée</numerusform>
            <numerusform>%Ln permissions directes cochées</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading the permission catalog…</source>
        <translation>Chargement du catalogue des permissions…</translation>
    </message>
    <message>
        <source>Could not load the permission catalog: %1</source>
        <translation>Impossible de charger le catalogue des permissions : %1</translation>
    </message>
    <message>
        <source>Inherits nothing: no built-in role is below level %1.</source>
        <translation>N&apos;hérite de rien : aucun rôle intégré n&apos;est sous le niveau %1.</translation>
    </message>
    <message>
        <source>Inherits the permissions of %1 (built-in roles below level %2).</source>
        <translation>Hérite des permissions de %1 (rôles intégrés sous le niveau %2).</translation>
    </message>
    <message>
        <source>Holders of this role may assign the checked roles without the permission to assign roles, only to users below them and never a role at or above their own level</source>
        <translation>Les titulaires de ce rôle peuvent attribuer les rôles cochés sans la permission d&apos;attribuer des rôles, uniquement à des utilisateurs en dessous d&apos;eux et jamais un rôle de leur niveau ou au-dessus</translation>
    </message>
    <message>
        <source>Only roles below your level (%1) can be granted</source>
        <translation>Seuls les rôles inférieurs à votre niveau (%1) peuvent être accordés</translation>
    </message>
    <message>
        <source>Higher levels manage lower ones; custom roles go from %1 to %2</source>
        <translation>Les niveaux supérieurs gèrent les inférieurs ; les rôles personnalisés vont de %1 à %2</translation>
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
        <translation>Organisation n° %1</translation>
    </message>
    <message>
        <source>Built-in</source>
        <translation>Intégré</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Personnalisé</translation>
    </message>
    <message numerus="yes">
        <source>%n direct permission(s); the effective set adds those of the lower built-in roles</source>
        <translation>
            <numerusform>%Ln permission directe ; l&apos;ensemble effectif y ajoute celles des rôles intégrés inférieurs</numerusform>
            <numerusform>%Ln permissions directes ; l&apos;ensemble effectif y ajoute celles des rôles intégrés inférieurs</numerusform>
        </translation>
    </message>
    <message>
        <source>Built-in roles come with the system and cannot be changed</source>
        <translation>Les rôles intégrés sont fournis avec le système et ne peuvent pas être modifiés</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>Code</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Niveau</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>Scope</source>
        <translation>Périmètre</translation>
    </message>
    <message>
        <source>Permissions</source>
        <translation>Permissions</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
</context>
<context>
    <name>portcullis::RolesPane</name>
    <message>
        <source>Search roles</source>
        <translation>Rechercher des rôles</translation>
    </message>
    <message>
        <source>Search code, name or description (Ctrl+F)</source>
        <translation>Rechercher un code, un nom ou une description (Ctrl+F)</translation>
    </message>
    <message>
        <source>Filter by type</source>
        <translation>Filtrer par type</translation>
    </message>
    <message>
        <source>Built-in and custom</source>
        <translation>Intégrés et personnalisés</translation>
    </message>
    <message>
        <source>Built-in only</source>
        <translation>Intégrés seulement</translation>
    </message>
    <message>
        <source>Custom only</source>
        <translation>Personnalisés seulement</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rôles</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>Niveau</translation>
    </message>
    <message>
        <source>Built-in</source>
        <translation>Intégré</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Modifier…</translation>
    </message>
    <message>
        <source>New role &amp;based on this…</source>
        <translation>Nouveau rôle &amp;basé sur celui-ci…</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>&amp;Supprimer…</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Could not load the roles: %1</source>
        <translation>Impossible de charger les rôles : %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the roles:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les rôles :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message numerus="yes">
        <source>%n role(s)</source>
        <translation>
            <numerusform>%Ln rôle</numerusform>
            <numerusform>%Ln rôles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n role(s)</source>
        <translation>
            <numerusform>%1 sur %Ln rôle</numerusform>
            <numerusform>%1 sur %Ln rôles</numerusform>
        </translation>
    </message>
    <message>
        <source>No role matches the search.
Clear the search or the type filter to see every role.</source>
        <translation>Aucun rôle ne correspond à la recherche.
Effacez la recherche ou le filtre de type pour voir tous les rôles.</translation>
    </message>
    <message>
        <source>No roles yet.
Create the first custom role with Ctrl+N.</source>
        <translation>Aucun rôle pour l&apos;instant.
Créez le premier rôle personnalisé avec Ctrl+N.</translation>
    </message>
    <message>
        <source>Select a role first</source>
        <translation>Sélectionnez d&apos;abord un rôle</translation>
    </message>
    <message>
        <source>Built-in roles cannot be changed</source>
        <translation>Les rôles intégrés ne peuvent pas être modifiés</translation>
    </message>
    <message>
        <source>&amp;View…</source>
        <translation>&amp;Afficher…</translation>
    </message>
    <message>
        <source>Edit this role</source>
        <translation>Modifier ce rôle</translation>
    </message>
    <message>
        <source>View this role (%1)</source>
        <translation>Afficher ce rôle (%1)</translation>
    </message>
    <message>
        <source>Start a new custom role with this role&apos;s permissions</source>
        <translation>Commencer un nouveau rôle personnalisé avec les permissions de ce rôle</translation>
    </message>
    <message>
        <source>Built-in roles cannot be deleted</source>
        <translation>Les rôles intégrés ne peuvent pas être supprimés</translation>
    </message>
    <message>
        <source>Created the role %1</source>
        <translation>Rôle %1 créé</translation>
    </message>
    <message>
        <source>Saved the role %1</source>
        <translation>Rôle %1 enregistré</translation>
    </message>
    <message>
        <source>Delete role</source>
        <translation>Supprimer le rôle</translation>
    </message>
    <message>
        <source>Delete the role %1 (%2)? Its permissions and grants go with it; the audit log keeps the record.</source>
        <translation>Supprimer le rôle %1 (%2) ? Ses permissions et ses rôles attribuables disparaissent avec lui ; le journal d&apos;audit en garde la trace.</translation>
    </message>
    <message>
        <source>Deleted the role %1</source>
        <translation>Rôle %1 supprimé</translation>
    </message>
    <message numerus="yes">
        <source>Delete and remove it from %n user(s)</source>
        <translation>
            <numerusform>Supprimer et le retirer à %Ln utilisateur</numerusform>
            <numerusform>Supprimer et le retirer à %Ln utilisateurs</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete and remove it from its users</source>
        <translation>Supprimer et le retirer à ses titulaires</translation>
    </message>
    <message numerus="yes">
        <source>%1 is assigned to %n user(s).

Delete it and remove it from those %n user(s)? They lose its permissions at once.</source>
        <translation>
            <numerusform>%1 est attribué à %Ln utilisateur.

Le supprimer et le retirer à cet utilisateur ? Il perd immédiatement ses permissions.</numerusform>
            <numerusform>%1 est attribué à %Ln utilisateurs.

Le supprimer et le retirer à ces %Ln utilisateurs ? Ils perdent immédiatement ses permissions.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete it and remove it from every user who holds it?</source>
        <translation>Le supprimer et le retirer à tous ses titulaires ?</translation>
    </message>
    <message>
        <source>Kept the role %1</source>
        <translation>Rôle %1 conservé</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Personnalisé</translation>
    </message>
    <message>
        <source>Copied the role %1</source>
        <translation>Rôle %1 copié</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Supprimer</translation>
    </message>
    <message>
        <source>No role in %1 matches the search.
Clear the search or the type filter to see every role.</source>
        <translation>Aucun rôle de %1 ne correspond à la recherche.
Effacez la recherche ou le filtre de type pour voir tous les rôles.</translation>
    </message>
    <message>
        <source>&amp;Permission codes…</source>
        <translation>Codes de &amp;permission…</translation>
    </message>
    <message>
        <source>The organization&apos;s own permission codes, for its roles and API keys</source>
        <translation>Les codes de permission propres à l’organisation, pour ses rôles et ses clés d’API</translation>
    </message>
    <message>
        <source>Roles are set on each user in the Users pane.</source>
        <translation>Les rôles se définissent sur chaque utilisateur dans le volet Utilisateurs.</translation>
    </message>
</context>
<context>
    <name>portcullis::RotateApiKeyDialog</name>
    <message>
        <source>Rotate API key</source>
        <translation>Renouveler la clé d&apos;API</translation>
    </message>
    <message>
        <source>Rotate the key &lt;b&gt;%1&lt;/b&gt; (%2) of %3? It gets a new secret, shown once. Its name, owner, scopes and limits stay.</source>
        <translation>Renouveler la clé &lt;b&gt;%1&lt;/b&gt; (%2) de %3 ? Elle reçoit un nouveau secret, affiché une seule fois. Son nom, son propriétaire, ses portées et ses limites restent.</translation>
    </message>
    <message>
        <source>Grace period of the old secret</source>
        <translation>Délai de grâce de l&apos;ancien secret</translation>
    </message>
    <message>
        <source>None: refuse the old secret at once</source>
        <translation>Aucun : refuser l&apos;ancien secret immédiatement</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 heure</translation>
    </message>
    <message>
        <source>24 hours</source>
        <translation>24 heures</translation>
    </message>
    <message>
        <source>7 days</source>
        <translation>7 jours</translation>
    </message>
    <message>
        <source>The old secret &amp;works for:</source>
        <translation>L&apos;ancien secret &amp;reste valable :</translation>
    </message>
    <message>
        <source>Programs keep working with the old secret during the grace period while you hand out the new one. Rotating again within it refuses the older secret at once.</source>
        <translation>Les programmes continuent de fonctionner avec l&apos;ancien secret pendant le délai de grâce, le temps de distribuer le nouveau. Un nouveau renouvellement pendant ce délai refuse aussitôt le secret plus ancien.</translation>
    </message>
    <message>
        <source>&amp;Rotate</source>
        <translation>Re&amp;nouveler</translation>
    </message>
</context>
<context>
    <name>portcullis::SecretDialog</name>
    <message>
        <source>It is shown only now: copy it to a safe place.</source>
        <translation>Il n&apos;est affiché que maintenant : copiez-le en lieu sûr.</translation>
    </message>
    <message>
        <source>Secret</source>
        <translation>Secret</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Copied</source>
        <translation>Copié</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionDetailsPanel</name>
    <message>
        <source>Session details</source>
        <translation>Détails de la session</translation>
    </message>
    <message>
        <source>Session:</source>
        <translation>Session :</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Utilisateur :</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Statut :</translation>
    </message>
    <message>
        <source>IP address:</source>
        <translation>Adresse IP :</translation>
    </message>
    <message>
        <source>User agent:</source>
        <translation>Agent utilisateur :</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Début :</translation>
    </message>
    <message>
        <source>Last seen:</source>
        <translation>Dernière activité :</translation>
    </message>
    <message>
        <source>Expires:</source>
        <translation>Expire :</translation>
    </message>
    <message numerus="yes">
        <source>%n sessions selected. Delete revokes them all.</source>
        <translation>
            <numerusform>%Ln session sélectionnée. Suppr la révoque.</numerusform>
            <numerusform>%Ln sessions sélectionnées. Suppr les révoque toutes.</numerusform>
        </translation>
    </message>
    <message>
        <source>Select a session to see its details. Delete revokes the selected sessions; the context menu (right-click or the Menu key) ends all sessions of a user.</source>
        <translation>Sélectionnez une session pour voir ses détails. Suppr révoque les sessions sélectionnées ; le menu contextuel (clic droit ou touche Menu) met fin à toutes les sessions d&apos;un utilisateur.</translation>
    </message>
    <message>
        <source>Impersonated session</source>
        <translation>Session avec emprunt d&apos;identité</translation>
    </message>
    <message>
        <source>%1 acts as this user. Reason: %2</source>
        <translation>%1 agit en tant que cet utilisateur. Motif : %2</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Révoquée</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Expirée</translation>
    </message>
    <message>
        <source>(unknown)</source>
        <translation>(inconnu)</translation>
    </message>
    <message>
        <source>Active — this console&apos;s session</source>
        <translation>Active — la session de cette console</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionListModel</name>
    <message>
        <source>Impersonated by %1 — reason: %2</source>
        <translation>Identité empruntée par %1 — motif : %2</translation>
    </message>
    <message>
        <source>in under a minute</source>
        <translation>dans moins d&apos;une minute</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>à l&apos;instant</translation>
    </message>
    <message numerus="yes">
        <source>in %n min</source>
        <translation>
            <numerusform>dans %Ln min</numerusform>
            <numerusform>dans %Ln min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>il y a %Ln min</numerusform>
            <numerusform>il y a %Ln min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n h</source>
        <translation>
            <numerusform>dans %Ln h</numerusform>
            <numerusform>dans %Ln h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>il y a %Ln h</numerusform>
            <numerusform>il y a %Ln h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>in %n days</source>
        <translation>
            <numerusform>dans %Ln jour</numerusform>
            <numerusform>dans %Ln jours</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n days ago</source>
        <translation>
            <numerusform>il y a %Ln jour</numerusform>
            <numerusform>il y a %Ln jours</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Révoquée</translation>
    </message>
    <message>
        <source>Expired %1</source>
        <translation>Expirée %1</translation>
    </message>
    <message>
        <source>This session was revoked.</source>
        <translation>Cette session a été révoquée.</translation>
    </message>
    <message>
        <source>This session has expired.</source>
        <translation>Cette session a expiré.</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Utilisateur</translation>
    </message>
    <message>
        <source>IP address</source>
        <translation>Adresse IP</translation>
    </message>
    <message>
        <source>User agent</source>
        <translation>Agent utilisateur</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Début</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Dernière activité</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>Expire</translation>
    </message>
    <message>
        <source>Impersonated by</source>
        <translation>Identité empruntée par</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>%1 (this console)</source>
        <translation>%1 (cette console)</translation>
    </message>
    <message>
        <source>The session of this console: revoking it signs you out.</source>
        <translation>La session de cette console : la révoquer vous déconnecte.</translation>
    </message>
</context>
<context>
    <name>portcullis::SessionsPane</name>
    <message>
        <source>Filter by user</source>
        <translation>Filtrer par utilisateur</translation>
    </message>
    <message>
        <source>User: email, name or #id — empty for everyone (Ctrl+F)</source>
        <translation>Utilisateur : e-mail, nom ou n° d&apos;id — vide pour tout le monde (Ctrl+F)</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>&amp;Utilisateur :</translation>
    </message>
    <message>
        <source>&amp;Include ended sessions</source>
        <translation>&amp;Inclure les sessions terminées</translation>
    </message>
    <message>
        <source>Include revoked and expired sessions</source>
        <translation>Inclure les sessions révoquées et expirées</translation>
    </message>
    <message>
        <source>Also list sessions that were revoked or have expired</source>
        <translation>Lister aussi les sessions révoquées ou expirées</translation>
    </message>
    <message>
        <source>Sessions</source>
        <translation>Sessions</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Révoquée</translation>
    </message>
    <message>
        <source>Expired %1</source>
        <translation>Expirée %1</translation>
    </message>
    <message>
        <source>&amp;Revoke session…</source>
        <translation>&amp;Révoquer la session…</translation>
    </message>
    <message>
        <source>End &amp;all sessions of this user…</source>
        <translation>Mettre fin à &amp;toutes les sessions de cet utilisateur…</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Copier</translation>
    </message>
    <message>
        <source>Could not load the sessions: %1</source>
        <translation>Impossible de charger les sessions : %1</translation>
    </message>
    <message>
        <source>Looking up “%1”…</source>
        <translation>Recherche de « %1 »…</translation>
    </message>
    <message>
        <source>Sessions of %1</source>
        <translation>Sessions de %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the sessions:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les sessions :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message>
        <source>1 session</source>
        <translation>1 session</translation>
    </message>
    <message numerus="yes">
        <source>%Ln sessions</source>
        <translation>
            <numerusform>%Ln session</numerusform>
            <numerusform>%Ln sessions</numerusform>
        </translation>
    </message>
    <message>
        <source>This user has no sessions.
They appear when the user signs in.</source>
        <translation>Cet utilisateur n&apos;a aucune session.
Elles apparaissent quand l&apos;utilisateur se connecte.</translation>
    </message>
    <message>
        <source>This user has no active session.
Tick “Include ended sessions” to see revoked and expired ones, or clear the user filter to see everyone&apos;s.</source>
        <translation>Cet utilisateur n&apos;a aucune session active.
Cochez « Inclure les sessions terminées » pour voir les sessions révoquées et expirées, ou videz le filtre d&apos;utilisateur pour voir celles de tout le monde.</translation>
    </message>
    <message>
        <source>No sessions yet.
They appear when users sign in.</source>
        <translation>Aucune session pour l&apos;instant.
Elles apparaissent quand des utilisateurs se connectent.</translation>
    </message>
    <message>
        <source>Nobody is signed in right now.
Tick “Include ended sessions” to see revoked and expired ones.</source>
        <translation>Personne n&apos;est connecté pour le moment.
Cochez « Inclure les sessions terminées » pour voir les sessions révoquées et expirées.</translation>
    </message>
    <message>
        <source>Select a session first</source>
        <translation>Sélectionnez d&apos;abord une session</translation>
    </message>
    <message>
        <source>The selected sessions have already ended</source>
        <translation>Les sessions sélectionnées sont déjà terminées</translation>
    </message>
    <message>
        <source>Revoking…</source>
        <translation>Révocation…</translation>
    </message>
    <message>
        <source>End the selected sessions now (Delete)</source>
        <translation>Mettre fin maintenant aux sessions sélectionnées (Suppr)</translation>
    </message>
    <message>
        <source>The selected sessions belong to several users</source>
        <translation>Les sessions sélectionnées appartiennent à plusieurs utilisateurs</translation>
    </message>
    <message>
        <source>End every session of the selected session&apos;s user</source>
        <translation>Mettre fin à toutes les sessions de l&apos;utilisateur de la session sélectionnée</translation>
    </message>
    <message>
        <source>Revoke the session of %1 from %2? They are signed out on that device at once.</source>
        <translation>Révoquer la session de %1 depuis %2 ? L&apos;utilisateur est déconnecté immédiatement sur cet appareil.</translation>
    </message>
    <message>
        <source>an unknown address</source>
        <translation>une adresse inconnue</translation>
    </message>
    <message numerus="yes">
        <source>Revoke %n sessions? Their users are signed out on those devices at once.</source>
        <translation>
            <numerusform>Révoquer %Ln session ? Son utilisateur est déconnecté immédiatement sur cet appareil.</numerusform>
            <numerusform>Révoquer %Ln sessions ? Leurs utilisateurs sont déconnectés immédiatement sur ces appareils.</numerusform>
        </translation>
    </message>
    <message>
        <source>Revoke sessions</source>
        <translation>Révoquer des sessions</translation>
    </message>
    <message>
        <source>Revoked the session of %1</source>
        <translation>Session de %1 révoquée</translation>
    </message>
    <message numerus="yes">
        <source>Revoked %n sessions</source>
        <translation>
            <numerusform>%Ln session révoquée</numerusform>
            <numerusform>%Ln sessions révoquées</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 sessions could not be revoked:

%3</source>
        <translation>%1 sessions sur %2 n&apos;ont pas pu être révoquées :

%3</translation>
    </message>
    <message>
        <source>End all sessions</source>
        <translation>Mettre fin à toutes les sessions</translation>
    </message>
    <message>
        <source>End every session of %1? They are signed out everywhere at once.</source>
        <translation>Mettre fin à toutes les sessions de %1 ? L&apos;utilisateur est déconnecté partout immédiatement.</translation>
    </message>
    <message>
        <source>Ended 1 session of %1</source>
        <translation>1 session de %1 terminée</translation>
    </message>
    <message numerus="yes">
        <source>Ended %n sessions of %1</source>
        <translation>
            <numerusform>%Ln session de %1 terminée</numerusform>
            <numerusform>%Ln sessions de %1 terminées</numerusform>
        </translation>
    </message>
    <message>
        <source>Copied 1 session</source>
        <translation>1 session copiée</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n sessions</source>
        <translation>
            <numerusform>%Ln session copiée</numerusform>
            <numerusform>%Ln sessions copiées</numerusform>
        </translation>
    </message>
    <message>
        <source>Also revoke their API &amp;keys (after a suspected account takeover)</source>
        <translation>Révoquer aussi ses &amp;clés d&apos;API (en cas de prise de contrôle du compte soupçonnée)</translation>
    </message>
    <message>
        <source>%1+ sessions</source>
        <translation>%1+ sessions</translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation>&amp;Révoquer</translation>
    </message>
    <message>
        <source>&amp;End sessions</source>
        <translation>&amp;Mettre fin aux sessions</translation>
    </message>
    <message>
        <source>This is the session of this console. Revoking it signs you out of Portcullis at once; you have to sign in again.</source>
        <translation>C’est la session de cette console. La révoquer vous déconnecte de Portcullis immédiatement ; vous devrez vous reconnecter.</translation>
    </message>
    <message>
        <source>One of them is the session of this console. Revoking it signs you out of Portcullis at once; you have to sign in again.</source>
        <translation>L’une d’elles est la session de cette console. La révoquer vous déconnecte de Portcullis immédiatement ; vous devrez vous reconnecter.</translation>
    </message>
    <message>
        <source>Sign yourself out?</source>
        <translation>Vous déconnecter ?</translation>
    </message>
    <message>
        <source>No sessions in %1 yet.
They appear when its users sign in.</source>
        <translation>Aucune session dans %1 pour l’instant.
Elles apparaissent quand ses utilisateurs se connectent.</translation>
    </message>
    <message>
        <source>Nobody in %1 is signed in right now.
Tick “Include ended sessions” to see revoked and expired ones.</source>
        <translation>Personne dans %1 n’est connecté en ce moment.
Cochez « Inclure les sessions terminées » pour voir celles révoquées et expirées.</translation>
    </message>
    <message>
        <source>End your other sessions? You are signed out everywhere else at once; this console stays signed in.</source>
        <translation>Mettre fin à vos autres sessions ? Vous êtes déconnecté partout ailleurs à la fois ; cette console reste connectée.</translation>
    </message>
    <message>
        <source>User: email or name (Ctrl+F)</source>
        <translation>Utilisateur : e-mail ou nom (Ctrl+F)</translation>
    </message>
    <message>
        <source>Type a user&apos;s email or name above, or choose “Show sessions” on a user in the Users pane.</source>
        <translation>Saisissez ci-dessus l&apos;e-mail ou le nom d&apos;un utilisateur, ou choisissez « Afficher les sessions » sur un utilisateur dans le volet Utilisateurs.</translation>
    </message>
    <message>
        <source>&amp;End impersonation…</source>
        <translation>&amp;Mettre fin à l&apos;emprunt d&apos;identité…</translation>
    </message>
    <message>
        <source>End this impersonation now: its session is revoked (Delete)</source>
        <translation>Mettre fin maintenant à cet emprunt d&apos;identité : sa session est révoquée (Suppr)</translation>
    </message>
</context>
<context>
    <name>portcullis::SetPasswordDialog</name>
    <message>
        <source>Set the password of %1</source>
        <translation>Définir le mot de passe de %1</translation>
    </message>
    <message>
        <source>The new password works at once, and every session of %1 ends. Tell them the password through a safe channel.</source>
        <translation>Le nouveau mot de passe s&apos;applique immédiatement et toutes les sessions de %1 prennent fin. Communiquez-le par un canal sûr.</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>Nouveau mot de passe</translation>
    </message>
    <message>
        <source>Repeat the new password</source>
        <translation>Répéter le nouveau mot de passe</translation>
    </message>
    <message>
        <source>&amp;New password:</source>
        <translation>&amp;Nouveau mot de passe :</translation>
    </message>
    <message>
        <source>Re&amp;peat:</source>
        <translation>&amp;Répéter :</translation>
    </message>
    <message>
        <source>&amp;Set password</source>
        <translation>&amp;Définir le mot de passe</translation>
    </message>
    <message>
        <source>Password policy: %1</source>
        <translation>Politique de mot de passe : %1</translation>
    </message>
    <message>
        <source>The two passwords differ</source>
        <translation>Les deux mots de passe diffèrent</translation>
    </message>
    <message>
        <source>✓ The password meets the policy</source>
        <translation>✓ Le mot de passe respecte la politique</translation>
    </message>
    <message>
        <source>Change your password</source>
        <translation>Changer votre mot de passe</translation>
    </message>
    <message>
        <source>Your new password works at once, and every one of your sessions ends, this one included: you sign in again with the new password.</source>
        <translation>Votre nouveau mot de passe s&apos;applique immédiatement et toutes vos sessions prennent fin, celle-ci comprise : reconnectez-vous avec le nouveau mot de passe.</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Mot de passe actuel</translation>
    </message>
    <message>
        <source>C&amp;urrent password:</source>
        <translation>Mot de passe act&amp;uel :</translation>
    </message>
    <message>
        <source>Also &amp;revoke my API keys</source>
        <translation>&amp;Révoquer aussi mes clés d&apos;API</translation>
    </message>
    <message>
        <source>Also &amp;revoke the user&apos;s API keys</source>
        <translation>&amp;Révoquer aussi les clés d&apos;API de l&apos;utilisateur</translation>
    </message>
</context>
<context>
    <name>portcullis::ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Raccourcis clavier</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Touches</translation>
    </message>
    <message>
        <source>What they do</source>
        <translation>Effet</translation>
    </message>
    <message>
        <source>Everywhere</source>
        <translation>Partout</translation>
    </message>
    <message>
        <source>Ctrl+1 … Ctrl+7</source>
        <translation>Ctrl+1 … Ctrl+7</translation>
    </message>
    <message>
        <source>go to a section</source>
        <translation>aller à une section</translation>
    </message>
    <message>
        <source>Ctrl+F</source>
        <translation>Ctrl+F</translation>
    </message>
    <message>
        <source>find in the current list</source>
        <translation>rechercher dans la liste affichée</translation>
    </message>
    <message>
        <source>Ctrl+N</source>
        <translation>Ctrl+N</translation>
    </message>
    <message>
        <source>new item</source>
        <translation>nouvel élément</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Suppr</translation>
    </message>
    <message>
        <source>delete the selection</source>
        <translation>supprimer la sélection</translation>
    </message>
    <message>
        <source>F5</source>
        <translation>F5</translation>
    </message>
    <message>
        <source>refresh</source>
        <translation>actualiser</translation>
    </message>
    <message>
        <source>Ctrl+C</source>
        <translation>Ctrl+C</translation>
    </message>
    <message>
        <source>copy the selected rows</source>
        <translation>copier les lignes sélectionnées</translation>
    </message>
    <message>
        <source>Menu key or Shift+F10</source>
        <translation>Touche Menu ou Maj+F10</translation>
    </message>
    <message>
        <source>context menu of the selection</source>
        <translation>menu contextuel de la sélection</translation>
    </message>
    <message>
        <source>Tab, Shift+Tab</source>
        <translation>Tab, Maj+Tab</translation>
    </message>
    <message>
        <source>next, previous field; into a list selects its first row</source>
        <translation>champ suivant, précédent ; dans une liste, sélectionne la première ligne</translation>
    </message>
    <message>
        <source>Ctrl+Return</source>
        <translation>Ctrl+Entrée</translation>
    </message>
    <message>
        <source>submit a dialog from a multi-line field</source>
        <translation>valider une boîte de dialogue depuis un champ multiligne</translation>
    </message>
    <message>
        <source>Escape</source>
        <translation>Échap</translation>
    </message>
    <message>
        <source>close a dialog or menu</source>
        <translation>fermer une boîte de dialogue ou un menu</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>this list</source>
        <translation>cette liste</translation>
    </message>
    <message>
        <source>In %1</source>
        <translation>Dans %1</translation>
    </message>
</context>
<context>
    <name>portcullis::UserActivityView</name>
    <message>
        <source>Recent activity</source>
        <translation>Activité récente</translation>
    </message>
    <message>
        <source>Show all in the audit &amp;log</source>
        <translation>Tout voir dans le journal d’au&amp;dit</translation>
    </message>
    <message>
        <source>Opens the audit log filtered to the events this user took part in</source>
        <translation>Ouvre le journal d’audit filtré sur les événements auxquels cet utilisateur a pris part</translation>
    </message>
    <message>
        <source>Your role cannot read the audit log, so this user&apos;s activity is not shown.</source>
        <translation>Votre rôle ne peut pas lire le journal d’audit ; l’activité de cet utilisateur n’est donc pas affichée.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Could not load the activity: %1</source>
        <translation>Impossible de charger l’activité : %1</translation>
    </message>
    <message>
        <source>own account</source>
        <translation>son propre compte</translation>
    </message>
    <message>
        <source>on %1</source>
        <translation>sur %1</translation>
    </message>
    <message>
        <source>by the system</source>
        <translation>par le système</translation>
    </message>
    <message>
        <source>by %1</source>
        <translation>par %1</translation>
    </message>
    <message>
        <source>by %1 #%2</source>
        <translation>par %1 n° %2</translation>
    </message>
    <message>
        <source>No events</source>
        <translation>Aucun événement</translation>
    </message>
    <message>
        <source>denied</source>
        <translation>refusé</translation>
    </message>
    <message>
        <source>success</source>
        <translation>réussi</translation>
    </message>
</context>
<context>
    <name>portcullis::UserDetailsPanel</name>
    <message>
        <source>User details</source>
        <translation>Détails de l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Email:</source>
        <translation>E-mail :</translation>
    </message>
    <message>
        <source>Username:</source>
        <translation>Nom d&apos;utilisateur :</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Statut :</translation>
    </message>
    <message>
        <source>Roles:</source>
        <translation>Rôles :</translation>
    </message>
    <message>
        <source>Organization:</source>
        <translation>Organisation :</translation>
    </message>
    <message>
        <source>Last sign-in:</source>
        <translation>Dernière connexion :</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Créé :</translation>
    </message>
    <message>
        <source>Verified:</source>
        <translation>Vérifié :</translation>
    </message>
    <message>
        <source>Select a user to see the details and act on them.

Select several with Ctrl or Shift for bulk actions.</source>
        <translation>Sélectionnez un utilisateur pour voir ses détails et agir sur lui.

Sélectionnez-en plusieurs avec Ctrl ou Maj pour des actions groupées.</translation>
    </message>
    <message numerus="yes">
        <source>%n users selected. Use the context menu (right-click or the Menu key) for bulk actions.</source>
        <translation>
            <numerusform>%Ln utilisateur sélectionné. Utilisez le menu contextuel (clic droit ou touche Menu) pour les actions groupées.</numerusform>
            <numerusform>%Ln utilisateurs sélectionnés. Utilisez le menu contextuel (clic droit ou touche Menu) pour les actions groupées.</numerusform>
        </translation>
    </message>
    <message>
        <source>(until %1)</source>
        <translation>(jusqu&apos;au %1)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>aucun</translation>
    </message>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <source>no</source>
        <translation>non</translation>
    </message>
</context>
<context>
    <name>portcullis::UserDialog</name>
    <message>
        <source>Edit %1</source>
        <translation>Modifier %1</translation>
    </message>
    <message>
        <source>New user</source>
        <translation>Nouvel utilisateur</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Adresse e-mail</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nom d&apos;utilisateur</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Nom complet</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-mail :</translation>
    </message>
    <message>
        <source>&amp;Username:</source>
        <translation>Nom d&apos;&amp;utilisateur :</translation>
    </message>
    <message>
        <source>Full &amp;name:</source>
        <translation>&amp;Nom complet :</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>My organization</source>
        <translation>Mon organisation</translation>
    </message>
    <message>
        <source>&amp;Organization:</source>
        <translation>&amp;Organisation :</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rôles</translation>
    </message>
    <message>
        <source>Initial password</source>
        <translation>Mot de passe initial</translation>
    </message>
    <message>
        <source>Initial &amp;password:</source>
        <translation>Mot de &amp;passe initial :</translation>
    </message>
    <message>
        <source>Email address &amp;verified</source>
        <translation>Adresse e-mail &amp;vérifiée</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>Enre&amp;gistrer</translation>
    </message>
    <message>
        <source>C&amp;reate</source>
        <translation>C&amp;réer</translation>
    </message>
    <message>
        <source>✓ The password meets the policy</source>
        <translation>✓ Le mot de passe respecte la politique</translation>
    </message>
    <message>
        <source>Password policy: %1</source>
        <translation>Politique de mot de passe : %1</translation>
    </message>
    <message>
        <source>Close this dialog and refresh (F5) to see the current values.</source>
        <translation>Fermez cette fenêtre et actualisez (F5) pour voir les valeurs actuelles.</translation>
    </message>
    <message>
        <source>Ro&amp;les:</source>
        <translation>Rô&amp;les :</translation>
    </message>
    <message>
        <source>Role names separated by commas, as the server knows them (e.g. user, admin)</source>
        <translation>Noms de rôles séparés par des virgules, tels que le serveur les connaît (par ex. user, admin)</translation>
    </message>
</context>
<context>
    <name>portcullis::UserGuideDialog</name>
    <message>
        <source>Portcullis user guide</source>
        <translation>Guide de l’utilisateur de Portcullis</translation>
    </message>
    <message>
        <source>User guide</source>
        <translation>Guide de l’utilisateur</translation>
    </message>
    <message>
        <source>Not in the console</source>
        <translation>Absent de la console</translation>
    </message>
    <message>
        <source>%1 is not built into the console. It is in the docs folder of Portcullis&apos;s source and on the project&apos;s web pages.</source>
        <translation>%1 n’est pas intégré à la console. Il se trouve dans le dossier docs des sources de Portcullis et sur les pages web du projet.</translation>
    </message>
</context>
<context>
    <name>portcullis::UserImportDialog</name>
    <message>
        <source>Will be created</source>
        <translation>Sera créé</translation>
    </message>
    <message>
        <source>Invited</source>
        <translation>Invité</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Créé</translation>
    </message>
    <message>
        <source>Exists, will be skipped</source>
        <translation>Existe, sera ignoré</translation>
    </message>
    <message>
        <source>Exists, skipped</source>
        <translation>Existe, ignoré</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Not imported</source>
        <translation>Non importé</translation>
    </message>
    <message>
        <source>Import Users</source>
        <translation>Importer des utilisateurs</translation>
    </message>
    <message>
        <source>A CSV file with a header row: email, username, full name, roles, organization. Nothing is written until you press Import; passwords are never in the file.</source>
        <translation>Un fichier CSV avec une ligne d’en-tête : email, username, full name, roles, organization. Rien n’est écrit avant que vous cliquiez sur « Importer » ; les mots de passe ne figurent jamais dans le fichier.</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>Aucun fichier choisi</translation>
    </message>
    <message>
        <source>C&amp;hoose File…</source>
        <translation>&amp;Choisir un fichier…</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Fichier :</translation>
    </message>
    <message>
        <source>Create the users, each with a one-time reset code</source>
        <translation>Créer les utilisateurs, chacun avec un code de réinitialisation à usage unique</translation>
    </message>
    <message>
        <source>Send invitations instead (one role per row)</source>
        <translation>Envoyer plutôt des invitations (un rôle par ligne)</translation>
    </message>
    <message>
        <source>New &amp;accounts:</source>
        <translation>Nouveaux &amp;comptes :</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>Ligne</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nom d’utilisateur</translation>
    </message>
    <message>
        <source>Organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>One-time code</source>
        <translation>Code à usage unique</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>&amp;Enregistrer le résultat…</translation>
    </message>
    <message>
        <source>&amp;Export Codes…</source>
        <translation>E&amp;xporter les codes…</translation>
    </message>
    <message>
        <source>Stop &amp;Import</source>
        <translation>&amp;Arrêter l’importation</translation>
    </message>
    <message>
        <source>&amp;Import</source>
        <translation>&amp;Importer</translation>
    </message>
    <message>
        <source>CSV files (*.csv *.txt);;All files (*)</source>
        <translation>Fichiers CSV (*.csv *.txt);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Reading the file…</source>
        <translation>Lecture du fichier…</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>Impossible de lire %1 : %2</translation>
    </message>
    <message>
        <source>The file has a header but no rows.</source>
        <translation>Le fichier a un en-tête mais aucune ligne.</translation>
    </message>
    <message numerus="yes">
        <source>Checking %n row(s)…</source>
        <translation>
            <numerusform>Vérification de %n ligne…</numerusform>
            <numerusform>Vérification de %n lignes…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Send %n invitation(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>Envoyer %n invitation ? Les lignes en erreur ou d’utilisateurs existants sont ignorées.</numerusform>
            <numerusform>Envoyer %n invitations ? Les lignes en erreur ou d’utilisateurs existants sont ignorées.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Create %n user(s)? Rows with errors or existing users are skipped.</source>
        <translation>
            <numerusform>Créer %n utilisateur ? Les lignes en erreur ou d’utilisateurs existants sont ignorées.</numerusform>
            <numerusform>Créer %n utilisateurs ? Les lignes en erreur ou d’utilisateurs existants sont ignorées.</numerusform>
        </translation>
    </message>
    <message>
        <source>Send Invitations</source>
        <translation>Envoyer les invitations</translation>
    </message>
    <message>
        <source>Create Users</source>
        <translation>Créer les utilisateurs</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Importation en cours…</translation>
    </message>
    <message>
        <source>Stopping after the current row…</source>
        <translation>Arrêt après la ligne en cours…</translation>
    </message>
    <message>
        <source>%1 row(s): %2 will be created, %3 already exist and will be skipped, %4 with errors. Nothing has been written yet.</source>
        <translation>%1 ligne(s) : %2 seront créées, %3 existent déjà et seront ignorées, %4 en erreur. Rien n’a encore été écrit.</translation>
    </message>
    <message>
        <source>%1 created, %2 skipped (already exist), %3 with errors.</source>
        <translation>%1 créé(s), %2 ignoré(s) (existent déjà), %3 en erreur.</translation>
    </message>
    <message numerus="yes">
        <source>Stopped: %n row(s) not imported.</source>
        <translation>
            <numerusform>Arrêté : %n ligne non importée.</numerusform>
            <numerusform>Arrêté : %n lignes non importées.</numerusform>
        </translation>
    </message>
    <message>
        <source>The one-time codes are shown only now: export them or copy them before you close this dialog.</source>
        <translation>Les codes à usage unique ne s’affichent que maintenant : exportez-les ou copiez-les avant de fermer cette boîte de dialogue.</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>Impossible d’écrire %1 : %2</translation>
    </message>
    <message>
        <source>Saved to %1.</source>
        <translation>Enregistré dans %1.</translation>
    </message>
    <message>
        <source>Save Import Results</source>
        <translation>Enregistrer le résultat de l’importation</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Fichiers CSV (*.csv)</translation>
    </message>
    <message>
        <source>Export One-Time Codes</source>
        <translation>Exporter les codes à usage unique</translation>
    </message>
    <message>
        <source>The file will hold a one-time code for every new account: whoever reads it can set those passwords. Keep it where only you can read it, hand the codes out, and delete the file.</source>
        <translation>Le fichier contiendra un code à usage unique pour chaque nouveau compte : quiconque le lit peut définir ces mots de passe. Conservez-le là où vous seul pouvez le lire, distribuez les codes, puis supprimez le fichier.</translation>
    </message>
    <message>
        <source>Export Codes</source>
        <translation>Exporter les codes</translation>
    </message>
</context>
<context>
    <name>portcullis::UserListModel</name>
    <message>
        <source>never</source>
        <translation>jamais</translation>
    </message>
    <message>
        <source>Banned: %1</source>
        <translation>Banni : %1</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>Nom d&apos;utilisateur</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rôles</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Last sign-in</source>
        <translation>Dernière connexion</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>Just created: listed although the search or filters would hide it</source>
        <translation>Tout juste créé : affiché bien que la recherche ou les filtres le masqueraient</translation>
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
        <translation>Rôles de %1</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rôles</translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation>&amp;Appliquer</translation>
    </message>
    <message>
        <source>Roles you may not give or take are greyed out; hover for the reason.</source>
        <translation>Les rôles que vous ne pouvez ni attribuer ni retirer sont grisés ; survolez-les pour voir pourquoi.</translation>
    </message>
    <message>
        <source>Could not assign %1: %2</source>
        <translation>Impossible d&apos;attribuer %1 : %2</translation>
    </message>
    <message>
        <source>Could not revoke %1: %2</source>
        <translation>Impossible de retirer %1 : %2</translation>
    </message>
    <message>
        <source>Role names separated by commas, as the server knows them (e.g. user, admin).</source>
        <translation>Noms de rôles séparés par des virgules, tels que le serveur les connaît (par ex. user, admin).</translation>
    </message>
</context>
<context>
    <name>portcullis::UsersPane</name>
    <message>
        <source>Search users</source>
        <translation>Rechercher des utilisateurs</translation>
    </message>
    <message>
        <source>Search email, username or name (Ctrl+F)</source>
        <translation>Rechercher un e-mail, un nom d&apos;utilisateur ou un nom (Ctrl+F)</translation>
    </message>
    <message>
        <source>Filter by role</source>
        <translation>Filtrer par rôle</translation>
    </message>
    <message>
        <source>Any role</source>
        <translation>Tout rôle</translation>
    </message>
    <message>
        <source>Filter by status</source>
        <translation>Filtrer par statut</translation>
    </message>
    <message>
        <source>Any status</source>
        <translation>Tout statut</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Utilisateurs</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Modifier…</translation>
    </message>
    <message>
        <source>&amp;Ban…</source>
        <translation>&amp;Bannir…</translation>
    </message>
    <message>
        <source>&amp;Unban</source>
        <translation>&amp;Débannir</translation>
    </message>
    <message>
        <source>&amp;Suspend</source>
        <translation>&amp;Suspendre</translation>
    </message>
    <message>
        <source>Reac&amp;tivate</source>
        <translation>Réac&amp;tiver</translation>
    </message>
    <message>
        <source>&amp;Roles…</source>
        <translation>&amp;Rôles…</translation>
    </message>
    <message>
        <source>&amp;Assign a role…</source>
        <translation>&amp;Attribuer un rôle…</translation>
    </message>
    <message>
        <source>Re&amp;move a role…</source>
        <translation>Retirer un rô&amp;le…</translation>
    </message>
    <message>
        <source>Reset &amp;password…</source>
        <translation>Réinitialiser le mot de &amp;passe…</translation>
    </message>
    <message>
        <source>&amp;Impersonate…</source>
        <translation>&amp;Emprunter l&apos;identité…</translation>
    </message>
    <message>
        <source>&amp;Delete…</source>
        <translation>Suppr&amp;imer…</translation>
    </message>
    <message>
        <source>Could not load users: %1</source>
        <translation>Impossible de charger les utilisateurs : %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Chargement…</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <source>Could not load the users:
%1

Press F5 to try again.</source>
        <translation>Impossible de charger les utilisateurs :
%1

Appuyez sur F5 pour réessayer.</translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%Ln utilisateur</numerusform>
            <numerusform>%Ln utilisateurs</numerusform>
        </translation>
    </message>
    <message>
        <source>No user matches these filters.
Clear the search or the filters to see everyone.</source>
        <translation>Aucun utilisateur ne correspond à ces filtres.
Effacez la recherche ou les filtres pour voir tout le monde.</translation>
    </message>
    <message>
        <source>No users yet.
Create the first one with Ctrl+N.</source>
        <translation>Aucun utilisateur pour l&apos;instant.
Créez le premier avec Ctrl+N.</translation>
    </message>
    <message>
        <source>Select a user first</source>
        <translation>Sélectionnez d&apos;abord un utilisateur</translation>
    </message>
    <message>
        <source>Select one user to edit</source>
        <translation>Sélectionnez un seul utilisateur à modifier</translation>
    </message>
    <message>
        <source>Nobody selected is banned</source>
        <translation>Personne dans la sélection n&apos;est banni</translation>
    </message>
    <message>
        <source>Nobody selected is suspended</source>
        <translation>Personne dans la sélection n&apos;est suspendu</translation>
    </message>
    <message>
        <source>Select one user</source>
        <translation>Sélectionnez un seul utilisateur</translation>
    </message>
    <message>
        <source>New user</source>
        <translation>Nouvel utilisateur</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>%1 créé</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 enregistré</translation>
    </message>
    <message>
        <source>Banned %1</source>
        <translation>%1 banni</translation>
    </message>
    <message>
        <source>Ban users</source>
        <translation>Bannir des utilisateurs</translation>
    </message>
    <message>
        <source>Ban</source>
        <translation>Bannir</translation>
    </message>
    <message>
        <source>Unban</source>
        <translation>Débannir</translation>
    </message>
    <message>
        <source>Lifted the ban of %1</source>
        <translation>Bannissement de %1 levé</translation>
    </message>
    <message>
        <source>Unban users</source>
        <translation>Débannir des utilisateurs</translation>
    </message>
    <message>
        <source>Suspend</source>
        <translation>Suspendre</translation>
    </message>
    <message>
        <source>Suspend %1? They cannot sign in until reactivated, and their sessions end now.</source>
        <translation>Suspendre %1 ? L&apos;utilisateur ne peut plus se connecter jusqu&apos;à sa réactivation, et ses sessions prennent fin maintenant.</translation>
    </message>
    <message>
        <source>Suspended %1</source>
        <translation>%1 suspendu</translation>
    </message>
    <message>
        <source>Suspend users</source>
        <translation>Suspendre des utilisateurs</translation>
    </message>
    <message>
        <source>Reactivate users</source>
        <translation>Réactiver des utilisateurs</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>Réactiver</translation>
    </message>
    <message>
        <source>Roles</source>
        <translation>Rôles</translation>
    </message>
    <message>
        <source>Roles updated</source>
        <translation>Rôles mis à jour</translation>
    </message>
    <message>
        <source>There is no role you may give or take.</source>
        <translation>Il n&apos;y a aucun rôle que vous puissiez attribuer ou retirer.</translation>
    </message>
    <message>
        <source>Assign a role</source>
        <translation>Attribuer un rôle</translation>
    </message>
    <message>
        <source>Remove a role</source>
        <translation>Retirer un rôle</translation>
    </message>
    <message>
        <source>Role:</source>
        <translation>Rôle :</translation>
    </message>
    <message>
        <source>Assign %1</source>
        <translation>Attribuer %1</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>Retirer %1</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>Réinitialiser le mot de passe</translation>
    </message>
    <message>
        <source>Password reset for %1</source>
        <translation>Réinitialisation du mot de passe de %1</translation>
    </message>
    <message>
        <source>Send this one-time reset code to %1. It works once and expires in 2 hours.</source>
        <translation>Envoyez ce code de réinitialisation à usage unique à %1. Il ne fonctionne qu&apos;une fois et expire dans 2 heures.</translation>
    </message>
    <message>
        <source>Issued a reset code for %1</source>
        <translation>Code de réinitialisation émis pour %1</translation>
    </message>
    <message>
        <source>End sessions</source>
        <translation>Mettre fin aux sessions</translation>
    </message>
    <message>
        <source>End all sessions of</source>
        <translation>Mettre fin à toutes les sessions</translation>
    </message>
    <message>
        <source>Impersonation session opened for %1</source>
        <translation>Session d&apos;emprunt d&apos;identité ouverte pour %1</translation>
    </message>
    <message>
        <source>Delete user</source>
        <translation>Supprimer l&apos;utilisateur</translation>
    </message>
    <message>
        <source>Delete %1? They can no longer sign in; their sessions end and their API keys are revoked. The audit trail stays.</source>
        <translation>Supprimer %1 ? L&apos;utilisateur ne pourra plus se connecter ; ses sessions prennent fin et ses clés d&apos;API sont révoquées. L&apos;historique d&apos;audit est conservé.</translation>
    </message>
    <message>
        <source>Deleted %1</source>
        <translation>%1 supprimé</translation>
    </message>
    <message>
        <source>Delete users</source>
        <translation>Supprimer des utilisateurs</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n row(s)</source>
        <translation>
            <numerusform>%Ln ligne copiée</numerusform>
            <numerusform>%Ln lignes copiées</numerusform>
        </translation>
    </message>
    <message>
        <source>E&amp;nd all sessions</source>
        <translation>Mettre fi&amp;n à toutes les sessions</translation>
    </message>
    <message>
        <source>Show sessi&amp;ons</source>
        <translation>Affic&amp;her les sessions</translation>
    </message>
    <message>
        <source>Show audit tr&amp;ail</source>
        <translation>Afficher l&apos;historique d&apos;a&amp;udit</translation>
    </message>
    <message>
        <source>Set pass&amp;word…</source>
        <translation>Dé&amp;finir le mot de passe…</translation>
    </message>
    <message>
        <source>Set a new password for %1; their sessions ended</source>
        <translation>Nouveau mot de passe défini pour %1 ; ses sessions ont pris fin</translation>
    </message>
    <message>
        <source>Your password was changed; your sessions ended, sign in again with it</source>
        <translation>Votre mot de passe a été modifié ; vos sessions ont pris fin, reconnectez-vous avec lui</translation>
    </message>
    <message>
        <source>Also revoke their API &amp;keys (after a suspected account takeover)</source>
        <translation>Révoquer aussi ses &amp;clés d&apos;API (en cas de prise de contrôle du compte soupçonnée)</translation>
    </message>
    <message>
        <source>Finds users whose email, username or full name contains the text, in any case. Three characters or more are looked up in the search index; one or two are matched row by row, which is slower on large directories.</source>
        <translation>Trouve les utilisateurs dont l’adresse e-mail, le nom d’utilisateur ou le nom complet contient le texte, sans tenir compte de la casse. À partir de trois caractères, la recherche passe par l’index ; avec un ou deux caractères, chaque ligne est comparée, ce qui est plus lent dans les grands annuaires.</translation>
    </message>
    <message>
        <source>%1+ users</source>
        <translation>%1+ utilisateurs</translation>
    </message>
    <message>
        <source>Already suspended</source>
        <translation>Déjà suspendu</translation>
    </message>
    <message>
        <source>Everyone selected is already suspended</source>
        <translation>Tous les utilisateurs sélectionnés sont déjà suspendus</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Supprimer</translation>
    </message>
    <message>
        <source>No user in %1 matches these filters.
Clear the search or the filters, or pick all tenants in the tenant switcher.</source>
        <translation>Aucun utilisateur de %1 ne correspond à ces filtres.
Effacez la recherche ou les filtres, ou choisissez toutes les organisations dans le sélecteur d’organisation.</translation>
    </message>
    <message>
        <source>No users in %1.
Create one with Ctrl+N.</source>
        <translation>Aucun utilisateur dans %1.
Créez-en un avec Ctrl+N.</translation>
    </message>
    <message>
        <source>Move to or&amp;ganization…</source>
        <translation>Changer d’or&amp;ganisation…</translation>
    </message>
    <message>
        <source>Moved %1 to %2</source>
        <translation>%1 déplacé vers %2</translation>
    </message>
    <message>
        <source>Export Users</source>
        <translation>Exporter les utilisateurs</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>Fichiers CSV (*.csv)</translation>
    </message>
    <message>
        <source>Exporting users to %1…</source>
        <translation>Exportation des utilisateurs vers %1…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Exporting users to %1…
%2 written</source>
        <translation>Exportation des utilisateurs vers %1…
%2 écrits</translation>
    </message>
    <message>
        <source>Exporting to %1…</source>
        <translation>Exportation vers %1…</translation>
    </message>
    <message>
        <source>Export cancelled; no file was written</source>
        <translation>Exportation annulée ; aucun fichier n’a été écrit</translation>
    </message>
    <message>
        <source>Exported %1 users to %2</source>
        <translation>%1 utilisateurs exportés vers %2</translation>
    </message>
    <message>
        <source>Search email or name (Ctrl+F)</source>
        <translation>Rechercher un e-mail ou un nom (Ctrl+F)</translation>
    </message>
    <message>
        <source>Finds users whose email or name contains the text; the server searches.</source>
        <translation>Trouve les utilisateurs dont l&apos;e-mail ou le nom contient le texte ; c&apos;est le serveur qui cherche.</translation>
    </message>
    <message>
        <source>Only users with this role name</source>
        <translation>Uniquement les utilisateurs ayant ce nom de rôle</translation>
    </message>
</context>
<context>
    <name>portcullis::WipeOutDialog</name>
    <message>
        <source>Wipe out %1</source>
        <translation>Effacer %1</translation>
    </message>
    <message numerus="yes">
        <source>&lt;p&gt;&lt;b&gt;This deletes %1 for good&lt;/b&gt;, with everything in it:&lt;/p&gt;&lt;ul&gt;&lt;li&gt;its %n user(s) and their role assignments,&lt;/li&gt;&lt;li&gt;its custom roles,&lt;/li&gt;&lt;li&gt;its API keys,&lt;/li&gt;&lt;li&gt;its sessions (everyone is signed out),&lt;/li&gt;&lt;li&gt;its invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;The audit log stays: it cannot be changed, and it records this wipe-out. There is no undo.&lt;/p&gt;</source>
        <translation>
            <numerusform>&lt;p&gt;&lt;b&gt;Cette action supprime %1 définitivement&lt;/b&gt;, avec tout son contenu :&lt;/p&gt;&lt;ul&gt;&lt;li&gt;son %Ln utilisateur et ses attributions de rôles,&lt;/li&gt;&lt;li&gt;ses rôles personnalisés,&lt;/li&gt;&lt;li&gt;ses clés d&apos;API,&lt;/li&gt;&lt;li&gt;ses sessions (tout le monde est déconnecté),&lt;/li&gt;&lt;li&gt;ses invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Le journal d&apos;audit demeure : il ne peut pas être modifié et il consigne cet effacement. Aucune annulation n&apos;est possible.&lt;/p&gt;</numerusform>
            <numerusform>&lt;p&gt;&lt;b&gt;Cette action supprime %1 définitivement&lt;/b&gt;, avec tout son contenu :&lt;/p&gt;&lt;ul&gt;&lt;li&gt;ses %Ln utilisateurs et leurs attributions de rôles,&lt;/li&gt;&lt;li&gt;ses rôles personnalisés,&lt;/li&gt;&lt;li&gt;ses clés d&apos;API,&lt;/li&gt;&lt;li&gt;ses sessions (tout le monde est déconnecté),&lt;/li&gt;&lt;li&gt;ses invitations.&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;Le journal d&apos;audit demeure : il ne peut pas être modifié et il consigne cet effacement. Aucune annulation n&apos;est possible.&lt;/p&gt;</numerusform>
        </translation>
    </message>
    <message>
        <source>Type the slug to confirm</source>
        <translation>Saisissez le slug pour confirmer</translation>
    </message>
    <message>
        <source>&amp;Type the slug &lt;b&gt;%1&lt;/b&gt; to confirm:</source>
        <translation>&amp;Saisissez le slug &lt;b&gt;%1&lt;/b&gt; pour confirmer :</translation>
    </message>
    <message>
        <source>&amp;Wipe out</source>
        <translation>&amp;Effacer</translation>
    </message>
    <message>
        <source>Type the slug first</source>
        <translation>Saisissez d&apos;abord le slug</translation>
    </message>
    <message>
        <source>Delete %1 and everything in it</source>
        <translation>Supprimer %1 et tout son contenu</translation>
    </message>
</context>
<context>
    <name>portcullis::display</name>
    <message>
        <source>Active</source>
        <translation>Actif</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>Suspendu</translation>
    </message>
    <message>
        <source>Banned</source>
        <translation>Banni</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Verrouillé</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Supprimé</translation>
    </message>
</context>
<context>
    <name>portcullis::useragent</name>
    <message>
        <source>Portcullis console</source>
        <translation>Console Portcullis</translation>
    </message>
    <message>
        <source>Portcullis console %1</source>
        <translation>Console Portcullis %1</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1 sous %2</translation>
    </message>
    <message>
        <source>A browser on %1</source>
        <translation>Un navigateur sous %1</translation>
    </message>
</context>
<context>
    <name>portcullis::userfilter</name>
    <message>
        <source>Not connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>No user has the email %1</source>
        <translation>Aucun utilisateur n&apos;a l&apos;adresse e-mail %1</translation>
    </message>
    <message>
        <source>No user matches “%1”</source>
        <translation>Aucun utilisateur ne correspond à « %1 »</translation>
    </message>
    <message>
        <source>%1 users match, type the email</source>
        <translation>%1 utilisateurs correspondent ; saisissez l&apos;adresse e-mail</translation>
    </message>
</context>
</TS>
