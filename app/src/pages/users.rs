use super::{PageTitle, CARD};
use crate::api::users::{list_users, AddUser, ChangeRole, SetUserDisabled};
use crate::components::form::{action_error, action_success, SELECT};
use crate::components::{ActionAlert, CsrfField, DataTable, FieldMessage, Loaded, LocalTime};
use crate::components::{NewPasswordFields, SubmitButton, TextField, ACTIONS};
use crate::model::{Role, UserSummary};
use leptos::prelude::*;

#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let users = Resource::new(
        move || {
            (
                add.version().get(),
                change_role.version().get(),
                set_disabled.version().get(),
            )
        },
        |_| list_users(),
    );
    let role_error = action_error(change_role);
    let disabled_error = action_error(set_disabled);
    let row_error = Signal::derive(move || role_error.get().or_else(|| disabled_error.get()));
    view! {
        <PageTitle title="Users" />
        <div class="grid gap-6 lg:grid-cols-3">
            <section class="min-w-0 lg:col-span-2" aria-labelledby="users-heading">
                <h2 id="users-heading" class="sr-only">"All users"</h2>
                <div class="mb-3"><ActionAlert error=row_error /></div>
                <Loaded data=users reloads=true let:list>
                    <UserTable list change_role set_disabled />
                </Loaded>
            </section>
            <section class=format!("{CARD} min-w-0") aria-labelledby="add-user-heading">
                <h2 id="add-user-heading" class="mb-3 font-semibold">"Add a user"</h2>
                <AddUserForm add />
            </section>
        </div>
    }
}

#[component]
fn UserTable(
    list: Vec<UserSummary>,
    change_role: ServerAction<ChangeRole>,
    set_disabled: ServerAction<SetUserDisabled>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|user| {
            let id = user.id;
            let status = if user.disabled { "disabled" } else { "active" };
            let toggle_label = if user.disabled { "Enable" } else { "Disable" };
            let role_select_id = format!("role-{id}");
            let role_label = format!("Role of {}", user.username);
            let username = user.username.clone();
            let username_attr = user.username.clone();
            let current_role = user.role;
            view! {
                <tr data-username=username_attr class="border-t border-slate-200 dark:border-slate-800">
                    <td class="px-3 py-2 font-medium">{username}</td>
                    <td class="px-3 py-2">
                        {if user.single_sign_on {
                            view! {
                                <span data-role=current_role.as_str()>{current_role.as_str()}</span>
                                <span class="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300" title="The role follows the user's groups at the identity provider, at every sign-in.">
                                    "single sign-on"
                                </span>
                            }
                                .into_any()
                        } else {
                            view! {
                        <ActionForm action=change_role>
                            <div class="flex items-center gap-2">
                                <CsrfField />
                                <input type="hidden" name="user_id" value=id />
                                <label for=role_select_id.clone() class="sr-only">
                                    {role_label}
                                </label>
                                <select
                                    id=role_select_id
                                    name="role"
                                    class="rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800"
                                >
                                    {Role::ALL
                                        .into_iter()
                                        .map(|r| view! { <option value=r.as_str() selected=r == current_role>{r.as_str()}</option> })
                                        .collect_view()}
                                </select>
                                <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
                                    "Change role"
                                </button>
                            </div>
                        </ActionForm>
                            }
                                .into_any()
                        }}
                    </td>
                    <td class="px-3 py-2" data-status=status>{status}</td>
                    <td class="px-3 py-2 text-sm"><LocalTime utc=user.created_at /></td>
                    <td class="px-3 py-2 text-sm">
                        {match user.last_login_at {
                            Some(at) => view! { <LocalTime utc=at /> }.into_any(),
                            None => view! { <span class="text-slate-500">"never"</span> }.into_any(),
                        }}
                    </td>
                    <td class="px-3 py-2">
                        <ActionForm action=set_disabled>
                            <CsrfField />
                            <input type="hidden" name="user_id" value=id />
                            <input type="hidden" name="disabled" value=(!user.disabled).to_string() />
                            <button type="submit" class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">
                                {toggle_label}
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable id="users-table" columns=vec!["Username", "Role", "Status", "Created", "Last sign-in", ACTIONS]>
            {rows}
        </DataTable>
    }
}

#[component]
fn AddUserForm(add: ServerAction<AddUser>) -> impl IntoView {
    let error = action_error(add);
    let success = action_success(add, "User added.");
    view! {
        <ActionForm action=add>
            <div class="space-y-4">
                <ActionAlert error success />
                <CsrfField />
                <TextField form="add-user" name="user[username]" field="username" label="Username" error
                    hint="Lower-case letters, digits and . _ - @" />
                <div>
                    <label for="add-user-role" class="block text-sm font-medium">"Role"</label>
                    <select
                        id="add-user-role"
                        name="user[role]"
                        aria-describedby="add-user-role-error"
                        class=SELECT
                    >
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str() selected=r == Role::Viewer>{r.describe()}</option> })
                            .collect_view()}
                    </select>
                    <FieldMessage error field="role" id="add-user-role-error" />
                </div>
                <NewPasswordFields form="add-user" arg="user" error />
                <SubmitButton label="Add user" pending=add.pending() />
            </div>
        </ActionForm>
    }
}
