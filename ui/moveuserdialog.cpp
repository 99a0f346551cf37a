#include "moveuserdialog.h"

#include "displayformat.h"
#include "messagebox.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

MoveUserDialog::MoveUserDialog(Backend* backend, const User& user, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_user(user)
{
    setObjectName(QStringLiteral("moveUserDialog"));
    setWindowTitle(tr("Move %1 to another organization").arg(user.email));

    m_intro = new QLabel(this);
    m_intro->setObjectName(QStringLiteral("moveUserIntro"));
    m_intro->setWordWrap(true);
    m_intro->setTextFormat(Qt::PlainText);

    m_organization = new QComboBox(this);
    m_organization->setObjectName(QStringLiteral("moveUserOrganizationCombo"));
    m_organization->setAccessibleName(tr("Destination organization"));
    m_organization->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_organization->setMinimumContentsLength(24);
    m_seats = new QLabel(this);
    m_seats->setObjectName(QStringLiteral("moveUserSeatsLabel"));
    m_seats->setWordWrap(true);
    m_seats->setTextFormat(Qt::PlainText);
    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("&Organization:"), m_organization, QStringLiteral("organization_id"));
    form->addRow(tr("Seats:"), m_seats);

    m_consequences = new QLabel(this);
    m_consequences->setObjectName(QStringLiteral("moveUserConsequences"));
    m_consequences->setWordWrap(true);
    m_consequences->setTextFormat(Qt::PlainText);

    m_message = dialogparts::errorMessage(this, QStringLiteral("dialogMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Move"), QStringLiteral("moveUserButton"),
                                             &MoveUserDialog::submit, &m_moveButton);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addLayout(form);
    layout->addSpacing(fontMetrics().height() / 2);
    layout->addWidget(m_consequences);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('m')) * 40);

    connect(m_organization, &QComboBox::currentIndexChanged, this, &MoveUserDialog::showChoice);
    m_intro->setText(tr("%1 belongs to organization #%2.").arg(user.email).arg(user.organizationId));
    load();
}

// The organizations with their seats and the roles (to tell the old organization's from the
// global ones): two requests, answered in any order.
void MoveUserDialog::load()
{
    if (!m_backend)
        return;
    setProperty("loading", true);
    m_moveButton->setEnabled(false);
    m_seats->setText(tr("Loading…"));
    m_pending = 2;
    auto done = [this] {
        if (--m_pending > 0)
            return;
        setProperty("loading", false);
        showChoice();
    };
    whenDone(m_backend->listOrganizations(), this, [this, done](const Result<QList<Organization>>& orgs) {
        if (!orgs.ok()) {
            m_errors.show(orgs.error(), m_message);
        } else {
            m_organizations = orgs.value();
            std::sort(m_organizations.begin(), m_organizations.end(), [](const Organization& a, const Organization& b) {
                return a.name.localeAwareCompare(b.name) < 0;
            });
            const QSignalBlocker block(m_organization);
            m_organization->clear();
            for (const Organization& o : std::as_const(m_organizations)) {
                if (o.id == m_user.organizationId) {
                    m_intro->setText(tr("%1 belongs to %2.").arg(m_user.email, o.name));
                    continue;
                }
                m_organization->addItem(o.active ? o.name : tr("%1 (suspended)").arg(o.name), o.id);
            }
        }
        done();
    });
    whenDone(m_backend->listRoles(), this, [this, done](const Result<QList<Role>>& roles) {
        if (roles.ok()) {
            for (const QString& code : std::as_const(m_user.roleCodes)) {
                const auto role
                    = std::find_if(roles->cbegin(), roles->cend(), [&code](const Role& r) { return r.code == code; });
                // A role the list does not hold is another tenant's: it goes with the old tenant too.
                if (role == roles->cend() || role->organizationId != 0)
                    m_removedRoles << code;
                else
                    m_keptRoles << code;
            }
        } else {
            m_errors.show(roles.error(), m_message);
        }
        done();
    });
}

const Organization* MoveUserDialog::chosen() const
{
    const Id id = m_organization->currentData().toLongLong();
    for (const Organization& o : m_organizations) {
        if (o.id == id)
            return &o;
    }
    return nullptr;
}

// The seat check and what the move takes away, for the organization chosen.
void MoveUserDialog::showChoice()
{
    if (property("loading").toBool())
        return;
    const Organization* org = chosen();
    QString problem;
    if (!org) {
        m_seats->setText(tr("There is no other organization to move to."));
        problem = m_seats->text();
    } else {
        const QString seats
            = tr("%1 of %2 seats taken (%3 users, %n pending invitation(s))", nullptr, int(org->pendingInvitations))
                  .arg(display::number(org->seatsTaken()), display::number(org->maxUsers),
                       display::number(org->userCount));
        if (!org->active)
            problem = tr("%1 is suspended: reactivate it before moving users into it.").arg(org->name);
        else if (org->seatsTaken() >= org->maxUsers)
            problem
                = tr("%1 is full: raise its plan limit, remove a user or revoke an invitation first.").arg(org->name);
        m_seats->setText(problem.isEmpty() ? seats : seats + QLatin1Char('\n') + problem);
    }
    m_seats->setStyleSheet(
        problem.isEmpty() ? QString() : QStringLiteral("color: %1;").arg(display::warningBrush().color().name()));

    QStringList lines;
    if (m_removedRoles.isEmpty())
        lines << tr("No organization roles are removed.");
    else
        lines << tr("These roles of the old organization are removed: %1.")
                     .arg(m_removedRoles.join(QStringLiteral(", ")));
    if (!m_keptRoles.isEmpty())
        lines << tr("Global roles stay: %1.").arg(m_keptRoles.join(QStringLiteral(", ")));
    lines << tr("All their sessions end and all their API keys are revoked, since these belong to the old "
                "organization. They sign in again afterwards.");
    for (QString& line : lines)
        line.prepend(QStringLiteral("• "));
    m_consequences->setText(tr("What the move changes:") + QLatin1Char('\n') + lines.join(QLatin1Char('\n')));
    m_moveButton->setEnabled(problem.isEmpty());
}

void MoveUserDialog::submit()
{
    const Organization* org = chosen();
    if (!org)
        return;
    QString text = tr("Move %1 to %2?").arg(m_user.email, org->name);
    if (!m_removedRoles.isEmpty())
        text += QLatin1Char('\n') + tr("Roles removed: %1").arg(m_removedRoles.join(QStringLiteral(", ")));
    text += QLatin1Char('\n') + tr("Their sessions end and their API keys are revoked.");
    MessageBox::confirm(this, tr("Move user"), text, tr("&Move"), [this] { move(); });
}

void MoveUserDialog::move()
{
    const Organization* org = chosen();
    if (!m_backend || !org)
        return;
    m_errors.clear();
    m_message->hide();
    dialogparts::setAcceptEnabled(m_buttons, false);
    const QString name = org->name;
    whenDone(m_backend->moveUser(m_user.id, org->id), this, [this, name](const Result<User>& moved) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (!moved.ok()) {
            m_errors.show(moved.error(), m_message);
            return;
        }
        m_moved = moved.value();
        emit this->moved(m_moved);
        accept();
    });
}

} // namespace portcullis
