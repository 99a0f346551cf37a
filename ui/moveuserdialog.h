#pragma once

// Moving a user to another organization (super admins only; the core decides, policy::UserAction::
// Move). The dialog lists the other organizations with their seats (users and pending invitations
// against the plan's limit), says what the move takes away (the roles of the old organization; the
// user's sessions and API keys, which carry the old tenant) and asks once more, naming the roles,
// before it moves. While it reads the organizations and roles its property "loading" is true.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QPointer>

class QComboBox;
class QDialogButtonBox;
class QLabel;

namespace portcullis {

class MoveUserDialog : public QDialog
{
    Q_OBJECT

public:
    MoveUserDialog(Backend* backend, const User& user, QWidget* parent = nullptr);

    // The user as moved (valid after accepted()).
    User movedUser() const { return m_moved; }
    // The codes of the user's organization-scoped roles, which the move removes.
    QStringList rolesRemoved() const { return m_removedRoles; }

signals:
    void moved(const portcullis::User& user);

private:
    void load();
    void showChoice();
    void submit();
    void move();
    const Organization* chosen() const;

    QPointer<Backend> m_backend;
    User m_user;
    User m_moved;
    QList<Organization> m_organizations;
    QStringList m_removedRoles;
    QStringList m_keptRoles;
    int m_pending = 0;
    FieldErrors m_errors;
    QLabel* m_intro = nullptr;
    QComboBox* m_organization = nullptr;
    QLabel* m_seats = nullptr;
    QLabel* m_consequences = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_moveButton = nullptr;
};

} // namespace portcullis
