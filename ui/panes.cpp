#include "panes.h"

#include "mainwindow.h"
#include "userspane.h"

namespace portcullis {

void addAllPanes(MainWindow* window, Backend* backend)
{
    auto* users = new UsersPane(backend, window);
    window->addPane(users);
}

} // namespace portcullis
