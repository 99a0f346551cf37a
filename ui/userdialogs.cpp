#include "userdialogs.h"

#include "dialogparts.h"
#include "displayformat.h"
#include "keyboard.h"
#include "policy/policy.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace portcullis {

QString roleRefusal(const Actor& actor, const QList<Role>& allRoles, const Role& role, const User* target,
                    Id organizationId)
{
    if (actor.kind == Actor::Kind::System)
        return {};
    QList<Role> own;
    for (const Role& r : allRoles) {
        if (actor.roleCodes.contains(r.code))
            own << r;
    }
    if (target) {
        const policy::Decision decision = policy::canGiveRole(actor, own, *target, role);
        return decision ? QString() : decision.reason;
    }
    User newcomer; // level 0, as the store checks the initial roles of a new user
    newcomer.organizationId = organizationId ? organizationId : actor.organizationId;
    const policy::Decision decision = policy::canAssignRole(actor, own, newcomer, role);
    return decision ? QString() : decision.reason;
}

QStringList roleNames(const QString& text)
{
    QStringList names;
    for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString name = part.trimmed();
        if (!name.isEmpty() && !names.contains(name))
            names << name;
    }
    return names;
}

// --- UserDialog -----------------------------------------------------------------------------

UserDialog::UserDialog(Backend* backend, const User* user, const QList<Organization>& organizations,
                       const QList<Role>& roles, Id defaultOrganization, QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
    , m_editing(user != nullptr)
{
    setObjectName(QStringLiteral("userDialog"));
    if (user)
        m_original = *user;
    setWindowTitle(m_editing ? tr("Edit %1").arg(user->email) : tr("New user"));
    const Actor actor = backend->actor();

    m_email = new QLineEdit(m_original.email, this);
    m_email->setObjectName(QStringLiteral("emailEdit"));
    m_email->setAccessibleName(tr("Email"));
    m_email->setMaxLength(policy::Limits::Email + 1);
    m_username = new QLineEdit(m_original.username, this);
    m_username->setObjectName(QStringLiteral("usernameEdit"));
    m_username->setAccessibleName(tr("Username"));
    m_fullName = new QLineEdit(m_original.fullName, this);
    m_fullName->setObjectName(QStringLiteral("fullNameEdit"));
    m_fullName->setAccessibleName(tr("Full name"));

    // What the deployment has decides the fields: no username where users have none, no
    // organization where users do not belong to one, role names where there is no role catalog.
    const Capabilities capabilities = backend->capabilities();
    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("&Email:"), m_email, QStringLiteral("email"));
    if (capabilities.has(Capability::Usernames)) {
        m_errors.addRow(form, tr("&Username:"), m_username, QStringLiteral("username"));
    } else {
        delete m_username; // users have no username here: nothing to show or send
        m_username = nullptr;
    }
    m_errors.addRow(form, tr("Full &name:"), m_fullName, QStringLiteral("full_name"));

    if (!m_editing && capabilities.has(Capability::MoveUsers)) {
        m_organization = new QComboBox(this);
        m_organization->setObjectName(QStringLiteral("organizationCombo"));
        m_organization->setAccessibleName(tr("Organization"));
        for (const Organization& o : organizations) {
            if (actor.isSuperAdmin() || o.id == actor.organizationId)
                m_organization->addItem(o.name, QVariant::fromValue<qint64>(o.id));
        }
        if (m_organization->count() == 0)
            m_organization->addItem(tr("My organization"), QVariant::fromValue<qint64>(actor.organizationId));
        const int preferred = m_organization->findData(QVariant::fromValue<qint64>(defaultOrganization));
        if (preferred >= 0)
            m_organization->setCurrentIndex(preferred);
        m_errors.addRow(form, tr("&Organization:"), m_organization, QStringLiteral("organization_id"));
    }
    if (!m_editing && capabilities.has(Capability::RoleCatalog)) {
        m_roles = new QListWidget(this);
        m_roles->setObjectName(QStringLiteral("rolesList"));
        m_roles->setAccessibleName(tr("Roles"));
        m_roles->setMaximumHeight(130);
        for (const Role& role : roles) {
            auto* item = new QListWidgetItem(QStringLiteral("%1 (%2)").arg(role.name).arg(role.level), m_roles);
            item->setData(Qt::UserRole, role.code);
            const QString why = roleRefusal(actor, roles, role, nullptr, defaultOrganization);
            item->setFlags(why.isEmpty() ? (Qt::ItemIsUserCheckable | Qt::ItemIsEnabled) : Qt::ItemIsUserCheckable);
            item->setCheckState(role.code == QLatin1String("user") && why.isEmpty() ? Qt::Checked : Qt::Unchecked);
            if (!why.isEmpty())
                item->setToolTip(why);
        }
        m_errors.addRow(form, tr("Ro&les:"), m_roles, QStringLiteral("role_codes"));
    } else if (!m_editing) {
        // Roles are free names on such a deployment (better-auth: "admin", "user").
        m_roleNames = new QLineEdit(QStringLiteral("user"), this);
        m_roleNames->setObjectName(QStringLiteral("roleNamesEdit"));
        m_roleNames->setAccessibleName(tr("Roles"));
        m_roleNames->setToolTip(tr("Role names separated by commas, as the server knows them (e.g. user, admin)"));
        m_errors.addRow(form, tr("Ro&les:"), m_roleNames, QStringLiteral("role_codes"));
    }
    if (!m_editing) {
        m_password = new QLineEdit(this);
        m_password->setObjectName(QStringLiteral("passwordEdit"));
        m_password->setAccessibleName(tr("Initial password"));
        m_password->setEchoMode(QLineEdit::Password);
        m_errors.addRow(form, tr("Initial &password:"), m_password, QStringLiteral("password"));
        m_policy = new QLabel(this);
        m_policy->setObjectName(QStringLiteral("passwordPolicyLabel"));
        m_policy->setWordWrap(true);
        form->addRow(QString(), m_policy);
        m_errors.setNote(QStringLiteral("password"), m_policy); // never beside the core's password error
        connect(m_password, &QLineEdit::textChanged, this, &UserDialog::updatePolicy);
        updatePolicy();
    } else {
        m_verified = new QCheckBox(tr("Email address &verified"), this);
        m_verified->setObjectName(QStringLiteral("verifiedCheck"));
        m_verified->setChecked(m_original.verified);
        form->addRow(QString(), m_verified);
    }

    m_message = dialogparts::errorMessage(this, QStringLiteral("dialogMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, m_editing ? tr("&Save") : tr("C&reate"),
                                             QStringLiteral("saveUserButton"), &UserDialog::submit);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(460);
}

void UserDialog::updatePolicy()
{
    const QStringList problems = policy::passwordProblems(m_password->text());
    m_policy->setText(problems.isEmpty() ? tr("✓ The password meets the policy")
                                         : tr("Password policy: %1").arg(problems.join(u' ')));
}

void UserDialog::submit()
{
    if (!m_backend)
        return;
    m_message->hide();
    m_errors.clear();
    dialogparts::setAcceptEnabled(m_buttons, false);
    auto handle = [this](const Result<User>& result) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (result.ok()) {
            m_saved = result.value();
            accept();
            return;
        }
        QString rest = m_errors.show(result.error());
        if (result.error().reason == ErrorReason::StaleVersion)
            rest = result.error().message + QLatin1Char(' ')
                + tr("Close this dialog and refresh (F5) to see the current values.");
        if (!rest.isEmpty()) {
            m_message->setText(rest);
            m_message->show();
        }
    };
    if (m_editing) {
        UserUpdate update;
        update.expectedVersion = m_original.version;
        update.email = m_email->text();
        if (m_username)
            update.username = m_username->text();
        update.fullName = m_fullName->text();
        if (m_verified->isChecked() != m_original.verified)
            update.verified = m_verified->isChecked();
        whenDone(m_backend->updateUser(m_original.id, update), this, handle);
        return;
    }
    NewUser nu;
    nu.email = m_email->text();
    nu.username = m_username ? m_username->text() : QString();
    nu.fullName = m_fullName->text();
    nu.password = m_password->text();
    nu.organizationId = m_organization ? m_organization->currentData().toLongLong() : 0;
    nu.roleCodes.clear();
    if (m_roleNames)
        nu.roleCodes = roleNames(m_roleNames->text());
    for (int i = 0; m_roles && i < m_roles->count(); ++i) {
        if (m_roles->item(i)->checkState() == Qt::Checked)
            nu.roleCodes << m_roles->item(i)->data(Qt::UserRole).toString();
    }
    whenDone(m_backend->createUser(nu), this, handle);
}

// --- BanDialog ------------------------------------------------------------------------------

SetPasswordDialog::SetPasswordDialog(Backend* backend, const User& user, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_user(user)
    , m_self(backend && backend->actor().kind == Actor::Kind::User && backend->actor().userId == user.id)
{
    setObjectName(QStringLiteral("setPasswordDialog"));
    setWindowTitle(m_self ? tr("Change your password") : tr("Set the password of %1").arg(user.email));
    auto* intro = new QLabel(m_self ? tr("Your new password works at once, and every one of your sessions ends, this "
                                         "one included: you sign in again with the new password.")
                                    : tr("The new password works at once, and every session of %1 ends. Tell them "
                                         "the password through a safe channel.")
                                          .arg(user.email),
                             this);
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::PlainText);
    if (m_self) {
        m_current = new QLineEdit(this);
        m_current->setObjectName(QStringLiteral("currentPasswordEdit"));
        m_current->setAccessibleName(tr("Current password"));
        m_current->setEchoMode(QLineEdit::Password);
    }
    m_password = new QLineEdit(this);
    m_password->setObjectName(QStringLiteral("newPasswordEdit"));
    m_password->setAccessibleName(tr("New password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_repeat = new QLineEdit(this);
    m_repeat->setObjectName(QStringLiteral("repeatPasswordEdit"));
    m_repeat->setAccessibleName(tr("Repeat the new password"));
    m_repeat->setEchoMode(QLineEdit::Password);
    auto* form = new QFormLayout;
    if (m_current)
        m_errors.addRow(form, tr("C&urrent password:"), m_current, QStringLiteral("current_password"));
    m_errors.addRow(form, tr("&New password:"), m_password, QStringLiteral("password"));
    m_errors.addRow(form, tr("Re&peat:"), m_repeat, QStringLiteral("repeat"));
    m_policy = new QLabel(this);
    m_policy->setObjectName(QStringLiteral("setPasswordPolicyLabel"));
    m_policy->setWordWrap(true);
    form->addRow(QString(), m_policy);
    m_errors.setNote(QStringLiteral("password"), m_policy); // never beside the core's password error
    // After a takeover the new password alone does not stop API keys the intruder made: an
    // administrator's reset revokes them by default.
    m_revokeApiKeys
        = new QCheckBox(m_self ? tr("Also &revoke my API keys") : tr("Also &revoke the user's API keys"), this);
    m_revokeApiKeys->setObjectName(QStringLiteral("revokeApiKeysCheck"));
    m_revokeApiKeys->setChecked(!m_self);
    // Where administrators cannot touch other users' keys (better-auth) there is nothing to offer.
    if (!m_self && backend && !backend->capabilities().has(Capability::ApiKeysOfOthers)) {
        m_revokeApiKeys->setChecked(false);
        m_revokeApiKeys->hide();
    } else {
        form->addRow(QString(), m_revokeApiKeys);
    }
    m_message = dialogparts::errorMessage(this, QStringLiteral("dialogMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Set password"), QStringLiteral("confirmSetPasswordButton"),
                                             &SetPasswordDialog::submit, &m_set);
    connect(m_password, &QLineEdit::textChanged, this, &SetPasswordDialog::updatePolicy);
    connect(m_repeat, &QLineEdit::textChanged, this, &SetPasswordDialog::updatePolicy);
    if (m_current)
        connect(m_current, &QLineEdit::textChanged, this, &SetPasswordDialog::updatePolicy);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(460);
    updatePolicy();
}

void SetPasswordDialog::updatePolicy()
{
    const QStringList problems = policy::passwordProblems(m_password->text());
    QString text;
    if (!problems.isEmpty())
        text = tr("Password policy: %1").arg(problems.join(u' '));
    else if (m_repeat->text() != m_password->text())
        text = tr("The two passwords differ");
    else
        text = tr("✓ The password meets the policy");
    m_policy->setText(text);
    m_set->setEnabled(problems.isEmpty() && m_repeat->text() == m_password->text()
                      && (!m_current || !m_current->text().isEmpty()));
}

void SetPasswordDialog::submit()
{
    if (!m_backend || !m_set->isEnabled())
        return;
    m_message->hide();
    m_errors.clear();
    dialogparts::setAcceptEnabled(m_buttons, false);
    // The core checks the policy and the admin's right over this user again, and audits either way.
    PasswordChange change;
    change.password = m_password->text();
    change.currentPassword = m_current ? m_current->text() : QString();
    change.revokeApiKeys = m_revokeApiKeys->isChecked();
    whenDone(m_backend->setPassword(m_user.id, change), this, [this](const Status& done) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (done.ok()) {
            if (m_current)
                m_current->clear();
            m_password->clear();
            m_repeat->clear();
            accept();
            return;
        }
        m_errors.show(done.error(), m_message);
        updatePolicy();
    });
}

BanDialog::BanDialog(Backend* backend, const QList<User>& users, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_users(users)
{
    setObjectName(QStringLiteral("banDialog"));
    setWindowTitle(users.size() == 1 ? tr("Ban %1").arg(users.first().email)
                                     : tr("Ban %n user(s)", nullptr, int(users.size())));
    auto* intro = new QLabel(tr("A banned user cannot sign in, and all of their sessions end now."), this);
    intro->setWordWrap(true);
    m_reason = new QPlainTextEdit(this);
    m_reason->setObjectName(QStringLiteral("banReasonEdit"));
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setTabChangesFocus(true);
    m_reason->setPlaceholderText(tr("Why? The reason is shown to admins and recorded in the audit log."));
    m_reason->setMaximumHeight(90);
    m_expires = new QCheckBox(tr("&Lift the ban automatically on"), this);
    m_expires->setObjectName(QStringLiteral("banExpiresCheck"));
    m_expiresAt = new QDateTimeEdit(QDateTime::currentDateTime().addDays(7), this);
    m_expiresAt->setObjectName(QStringLiteral("banExpiresEdit"));
    m_expiresAt->setAccessibleName(tr("Ban ends"));
    m_expiresAt->setCalendarPopup(true);
    m_expiresAt->setEnabled(false);
    connect(m_expires, &QCheckBox::toggled, m_expiresAt, &QWidget::setEnabled);
    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("&Reason:"), m_reason, QStringLiteral("reason"));
    form->addRow(m_expires, m_expiresAt);
    m_message = dialogparts::errorMessage(this, QStringLiteral("dialogMessage"));
    QPushButton* ban = nullptr;
    m_buttons = dialogparts::cancelAndAccept(this, users.size() == 1 ? tr("&Ban") : tr("&Preview…"),
                                             QStringLiteral("confirmBanButton"), &BanDialog::submit, &ban);
    keyboard::addSubmitShortcut(this, ban); // Return in the reason is a new line
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(440);
}

void BanDialog::submit()
{
    if (!m_backend)
        return;
    if (m_users.size() != 1) {
        accept();
        return;
    }
    m_message->hide();
    m_errors.clear();
    dialogparts::setAcceptEnabled(m_buttons, false);
    const QDateTime expires = expiresAt();
    // The core validates the reason (required, length); its message appears under the field.
    whenDone(m_backend->banUser(m_users.first().id, reason(), expires), this, [this](const Result<User>& result) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (result.ok()) {
            m_saved = result.value();
            accept();
            return;
        }
        m_errors.show(result.error(), m_message);
    });
}

QString BanDialog::reason() const
{
    return m_reason->toPlainText();
}

QDateTime BanDialog::expiresAt() const
{
    return m_expires->isChecked() ? m_expiresAt->dateTime().toUTC() : QDateTime();
}

// --- UserRolesDialog ------------------------------------------------------------------------

UserRolesDialog::UserRolesDialog(Backend* backend, const User& user, const QList<Role>& roles, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_user(user)
{
    setObjectName(QStringLiteral("userRolesDialog"));
    setWindowTitle(tr("Roles of %1").arg(user.email));
    const Actor actor = backend->actor();
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("userRolesList"));
    m_list->setAccessibleName(tr("Roles"));
    QString intro = tr("Roles you may not give or take are greyed out; hover for the reason.");
    if (!backend->capabilities().has(Capability::RoleCatalog)) {
        // No role catalog (better-auth): the roles are names, typed as the server knows them.
        m_list->hide();
        m_names = new QLineEdit(user.roleCodes.join(QStringLiteral(", ")), this);
        m_names->setObjectName(QStringLiteral("roleNamesEdit"));
        m_names->setAccessibleName(tr("Roles"));
        connect(m_names, &QLineEdit::textEdited, this, [this] { m_message->hide(); });
        intro = tr("Role names separated by commas, as the server knows them (e.g. user, admin).");
    }
    for (const Role& role : roles) {
        if (role.organizationId != 0 && role.organizationId != user.organizationId)
            continue;
        auto* item = new QListWidgetItem(QStringLiteral("%1 — %2 (level %3)").arg(role.code, role.name).arg(role.level),
                                         m_list);
        item->setData(Qt::UserRole, role.code);
        item->setCheckState(user.roleCodes.contains(role.code) ? Qt::Checked : Qt::Unchecked);
        const QString why = roleRefusal(actor, roles, role, &user);
        item->setFlags(why.isEmpty() ? (Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable)
                                     : Qt::ItemIsUserCheckable);
        item->setToolTip(why.isEmpty() ? role.description : why);
    }
    m_message = dialogparts::errorMessage(this, QStringLiteral("dialogMessage"));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto* apply = m_buttons->addButton(tr("&Apply"), QDialogButtonBox::AcceptRole);
    apply->setObjectName(QStringLiteral("applyRolesButton"));
    connect(apply, &QPushButton::clicked, this, &UserRolesDialog::submit);
    // A refusal is about the last choice: it goes when the admin changes it.
    connect(m_list, &QListWidget::itemChanged, m_message, &QWidget::hide);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    auto* introLabel = new QLabel(intro, this);
    introLabel->setWordWrap(true);
    layout->addWidget(introLabel);
    if (m_names) {
        introLabel->setBuddy(m_names);
        layout->addWidget(m_names);
        layout->addStretch(1);
    } else {
        layout->addWidget(m_list);
    }
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumSize(440, 360);
}

void UserRolesDialog::submit()
{
    if (!m_backend)
        return;
    // Apply the differences one request at a time; stop at the first refusal and say why.
    struct Change
    {
        QString code;
        bool assign;
    };
    auto changes = std::make_shared<QList<Change>>();
    for (int i = 0; i < m_list->count(); ++i) {
        const QString code = m_list->item(i)->data(Qt::UserRole).toString();
        const bool wanted = m_list->item(i)->checkState() == Qt::Checked;
        if (wanted != m_user.roleCodes.contains(code))
            changes->append({ code, wanted });
    }
    if (m_names) {
        // New names first: a user is never left without a role between two requests.
        const QStringList wanted = roleNames(m_names->text());
        for (const QString& code : wanted) {
            if (!m_user.roleCodes.contains(code))
                changes->append({ code, true });
        }
        for (const QString& code : std::as_const(m_user.roleCodes)) {
            if (!wanted.contains(code))
                changes->append({ code, false });
        }
    }
    if (changes->isEmpty()) {
        accept();
        return;
    }
    dialogparts::setAcceptEnabled(m_buttons, false);
    auto step = std::make_shared<std::function<void()>>();
    *step = [this, changes, step] {
        if (changes->isEmpty()) {
            accept();
            return;
        }
        const Change change = changes->takeFirst();
        auto future = change.assign ? m_backend->assignRole(m_user.id, change.code)
                                    : m_backend->revokeRole(m_user.id, change.code);
        future.then(this, [this, step, change](const Status& status) {
            if (!status.ok()) {
                dialogparts::setAcceptEnabled(m_buttons, true);
                m_message->setText((change.assign ? tr("Could not assign %1: %2") : tr("Could not revoke %1: %2"))
                                       .arg(change.code, status.error().message));
                m_message->show();
                return;
            }
            (*step)();
        });
    };
    (*step)();
}

// --- BulkActionDialog -----------------------------------------------------------------------

BulkActionDialog::BulkActionDialog(Backend* backend, const QString& title, const QString& verb,
                                   const QList<User>& users, Operation operation, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_users(users)
    , m_operation(std::move(operation))
{
    setObjectName(QStringLiteral("bulkActionDialog"));
    setWindowTitle(title);
    auto* intro
        = new QLabel(tr("%1 — %n user(s). Check the list, then run.", nullptr, int(users.size())).arg(verb), this);
    intro->setWordWrap(true);
    m_table = new QTableWidget(int(users.size()), 3, this);
    m_table->setObjectName(QStringLiteral("bulkPreviewTable"));
    m_table->setAccessibleName(tr("Users and results"));
    m_table->setHorizontalHeaderLabels({ tr("User"), tr("Now"), tr("Result") });
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int i = 0; i < users.size(); ++i) {
        m_table->setItem(i, 0, new QTableWidgetItem(users.at(i).email));
        m_table->setItem(i, 1, new QTableWidgetItem(display::userStatus(users.at(i).status())));
        m_table->setItem(i, 2, new QTableWidgetItem(tr("Not run yet")));
    }
    m_table->resizeColumnsToContents();
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("bulkSummaryLabel"));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto* run = m_buttons->addButton(tr("&Run"), QDialogButtonBox::AcceptRole);
    run->setObjectName(QStringLiteral("runBulkButton"));
    connect(run, &QPushButton::clicked, this, &BulkActionDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, [this] {
        if (!m_running)
            reject();
    });
    auto* layout = new QVBoxLayout(this);
    m_layout = layout;
    layout->addWidget(intro);
    layout->addWidget(m_table);
    layout->addWidget(m_summary);
    layout->addWidget(m_buttons);
    keyboard::followVisualOrder(m_buttons);
    resize(620, 420);
}

QCheckBox* BulkActionDialog::addOption(const QString& text, const QString& objectName, bool checked)
{
    auto* option = new QCheckBox(text, this);
    option->setObjectName(objectName);
    option->setChecked(checked);
    // Fixed once the run starts: every user gets the same operation.
    connect(this, &BulkActionDialog::started, option, [option] { option->setEnabled(false); });
    m_layout->insertWidget(m_layout->indexOf(m_buttons), option);
    return option;
}

QString BulkActionDialog::summary() const
{
    return m_summary->text();
}

void BulkActionDialog::start()
{
    if (m_running || !m_backend)
        return;
    m_running = true;
    emit started();
    // Not m_buttons->clear(): that would delete the Run button inside its own clicked() signal.
    for (QAbstractButton* b : m_buttons->buttons())
        b->hide();
    m_next = 0;
    runNext();
}

void BulkActionDialog::runNext()
{
    if (m_next >= m_users.size() || !m_backend) {
        m_running = false;
        m_summary->setText(tr("%1 succeeded, %2 failed").arg(m_succeeded).arg(m_failed));
        auto* close = m_buttons->addButton(QDialogButtonBox::Close);
        close->setObjectName(QStringLiteral("closeBulkButton"));
        connect(close, &QPushButton::clicked, this, &QDialog::accept);
        emit finishedAll();
        return;
    }
    const int row = m_next++;
    m_table->item(row, 2)->setText(tr("running…"));
    whenDone(m_operation(m_backend, m_users.at(row)), this, [this, row](const Status& status) {
        if (status.ok()) {
            ++m_succeeded;
            m_table->item(row, 2)->setText(tr("done"));
        } else {
            ++m_failed;
            m_table->item(row, 2)->setText(tr("failed: %1").arg(status.error().message));
            m_table->item(row, 2)->setForeground(display::warningBrush());
        }
        m_summary->setText(tr("%1 of %2 done").arg(row + 1).arg(m_users.size()));
        runNext();
    });
}

} // namespace portcullis
