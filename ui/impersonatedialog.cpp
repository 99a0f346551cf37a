#include "impersonatedialog.h"

#include "dialogparts.h"
#include "displayformat.h"
#include "keyboard.h"
#include "policy/policy.h"
#include "secretdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace portcullis {

namespace {
constexpr int kDefaultMinutes = 15;
} // namespace

ImpersonateDialog::ImpersonateDialog(Backend* backend, const User& user, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_user(user)
{
    setObjectName(QStringLiteral("impersonateDialog"));
    setWindowTitle(tr("Impersonate %1").arg(user.email));

    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/impersonated.svg")).pixmap(32, 32));
    // The same confirmation on every deployment; where the deployment keeps no audit log or sets the
    // length itself (better-auth), the warning says so instead of promising it.
    const Capabilities capabilities = backend ? backend->capabilities() : Capabilities();
    const bool audited = capabilities.has(Capability::AuditLog);
    const bool chosenLength = capabilities.has(Capability::ImpersonationLength);
    QString text = audited && chosenLength
        ? tr("<b>You are about to act as %1.</b><br>Everything you do in this session is done in their name and "
             "recorded in the audit log together with your account and the reason below. The session is marked as "
             "impersonated wherever it appears, and it ends by itself after the duration you choose.")
              .arg(user.email.toHtmlEscaped())
        : tr("<b>You are about to act as %1.</b><br>Everything you do in this session is done in their name. The "
             "session is marked as impersonated wherever it appears, and it ends by itself.")
              .arg(user.email.toHtmlEscaped());
    for (const Capability missing : { Capability::AuditLog, Capability::ImpersonationLength }) {
        if (!capabilities.has(missing))
            text += QStringLiteral("<br>") + capabilities.whyNot(missing).toHtmlEscaped();
    }
    auto* warning = new QLabel(text, this);
    warning->setObjectName(QStringLiteral("impersonationWarning"));
    warning->setWordWrap(true);
    warning->setTextFormat(Qt::RichText);
    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addWidget(warning, 1);

    m_reason = new QPlainTextEdit(this);
    m_reason->setObjectName(QStringLiteral("impersonationReasonEdit"));
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setPlaceholderText(tr("Why, e.g. the support ticket you are working on (required)"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMaximumHeight(m_reason->fontMetrics().lineSpacing() * 5);
    m_minutes = new QSpinBox(this);
    m_minutes->setObjectName(QStringLiteral("impersonationDurationSpin"));
    m_minutes->setAccessibleName(tr("Duration in minutes"));
    m_minutes->setRange(1, limits::MaxImpersonationMinutes);
    m_minutes->setValue(kDefaultMinutes);
    m_minutes->setSuffix(tr(" min"));

    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("&Reason:"), m_reason, QStringLiteral("reason"));
    if (chosenLength)
        m_errors.addRow(form, tr("&Duration:"), m_minutes, QStringLiteral("duration_minutes"));
    else
        m_minutes->hide(); // the deployment sets the length; the default is sent and not used

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("dialogMessage"));
    m_message->setWordWrap(true);
    m_message->setStyleSheet(QStringLiteral("color: %1;").arg(display::warningBrush().color().name()));
    QSizePolicy keepSpace = m_message->sizePolicy();
    keepSpace.setRetainSizeWhenHidden(true); // hidden again, the buttons stay where they are
    m_message->setSizePolicy(keepSpace);
    m_message->hide();

    QPushButton* start = nullptr;
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Impersonate"), QStringLiteral("impersonateButton"),
                                             &ImpersonateDialog::submit, &start);
    keyboard::addSubmitShortcut(this, start); // Return in the reason is a new line

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('m')) * 34);
    m_reason->setFocus();
}

void ImpersonateDialog::submit()
{
    if (!m_backend)
        return;
    m_errors.clear();
    m_message->hide();
    dialogparts::setAcceptEnabled(m_buttons, false);
    // The core validates the reason and the duration; its field errors are shown under the fields.
    m_backend->impersonate(m_user.id, m_reason->toPlainText(), m_minutes->value())
        .then(this, [this](const Result<CreatedSession>& created) {
            dialogparts::setAcceptEnabled(m_buttons, true);
            if (!created.ok()) {
                m_errors.show(created.error(), m_message);
                return;
            }
            m_session = created->session;
            // The secret dialog outlives this one (which closes now): parent it to our parent.
            auto* secret = new SecretDialog(
                tr("Impersonation session for %1").arg(m_user.email),
                (m_backend && !m_backend->capabilities().has(Capability::AuditLog)
                     ? tr("Use this session token to act as %1 until %2.")
                     : tr("Use this session token to act as %1 until %2. Every action is audited with your name."))
                    .arg(m_user.email.toHtmlEscaped(), display::dateTime(m_session.expiresAt).toHtmlEscaped()),
                created->token, parentWidget());
            secret->setAttribute(Qt::WA_DeleteOnClose);
            secret->open();
            emit impersonated(m_session);
            accept();
        });
}

} // namespace portcullis
